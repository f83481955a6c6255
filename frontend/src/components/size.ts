import { useEffect, useRef, useState } from 'preact/hooks';

/** The width of an element, followed as it resizes (for charts drawn at their container's size). */
export function useWidth<T extends HTMLElement>(min = 240, initial = 640): [preact.RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(initial);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.max(min, Math.floor(entry.contentRect.width))));
    observer.observe(el);
    return () => observer.disconnect();
  }, [min]);
  return [ref, width];
}
