// A small client-side router over the History API (the service answers index.html for every path).
import type { AnchorHTMLAttributes, TargetedMouseEvent } from 'preact';
import { h } from 'preact';
import { createStore, useStore } from './store';

const here = () => (typeof location === 'undefined' ? '/' : location.pathname + location.search);
export const locationStore = createStore<string>(here());

if (typeof window !== 'undefined') {
  window.addEventListener('popstate', () => locationStore.set(here()));
}

export function navigate(to: string, options: { replace?: boolean; keepScroll?: boolean } = {}): void {
  if (to === here()) return;
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  locationStore.set(here());
  if (!options.keepScroll) window.scrollTo(0, 0);
}

export interface Location {
  path: string;
  query: URLSearchParams;
  href: string;
}

export function useLocation(): Location {
  const href = useStore(locationStore);
  const url = new URL(href, 'http://x');
  return { path: url.pathname, query: url.searchParams, href };
}

/** Params of `pattern` (`/cases/:id`) in `path`, or null when it does not match. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i += 1) {
    if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(got[i]);
    else if (want[i] !== got[i]) return null;
  }
  return params;
}

/** `?a=1&b=` from an object, leaving out empty values. */
export function queryString(values: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

type AnchorProps = AnchorHTMLAttributes<HTMLAnchorElement> & { href: string };

/** An anchor that navigates without reloading (and still opens in a new tab on ctrl/cmd-click). */
export function Link(props: AnchorProps) {
  const { href, onClick, ...rest } = props;
  return h('a', {
    ...rest,
    href,
    onClick: (event: TargetedMouseEvent<HTMLAnchorElement>) => {
      if (onClick) (onClick as (e: TargetedMouseEvent<HTMLAnchorElement>) => void)(event);
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
        return;
      if (props.target && props.target !== '_self') return;
      event.preventDefault();
      navigate(href);
    },
  });
}
