import type { ButtonHTMLAttributes, ComponentChildren } from 'preact';
import { useCallback, useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { formatDocumentaryDate, type DocumentaryDate, type Precision } from '../format';
import { type I18n, type Key, useI18n } from '../i18n';
import { Link } from '../router';

// ---- data loading -------------------------------------------------------------------------

export interface Async<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
  setData: (value: T) => void;
}

/** Runs `load` when `deps` change; a newer run supersedes an older one still in flight. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): Async<T> {
  const [tick, setTick] = useState(0);
  // Which deps the shown data belongs to: data for other deps is shown as still loading, even in the
  // render before the effect starts the new run.
  const key = JSON.stringify([deps, tick]);
  const [state, setState] = useState<{ data?: T; error?: unknown; key: string | null; running: boolean }>({
    key: null,
    running: true,
  });
  const run = useRef(0);
  useEffect(() => {
    const id = ++run.current;
    setState((s) => ({ ...s, running: true }));
    load().then(
      (data) => id === run.current && setState({ data, key, running: false }),
      (error) => id === run.current && setState({ error, key, running: false }),
    );
  }, [key]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  const setData = useCallback((data: T) => setState((s) => ({ data, key: s.key, running: false })), []);
  return {
    data: state.data,
    error: state.key === key ? state.error : undefined,
    loading: state.running || state.key !== key,
    reload,
    setData,
  };
}

/** Sets the document title for the page being shown. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Vigía` : 'Vigía';
  }, [title]);
}

// ---- messages -----------------------------------------------------------------------------

export function Loading({ label }: { label?: string }) {
  const { t } = useI18n();
  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {label ?? t('common.loading')}
    </p>
  );
}

/** A failed call, explained in the user's language (never a stack trace). */
export function errorMessage(error: unknown, i: I18n): string {
  const { t } = i;
  if (error instanceof ApiError) {
    const detail = error.problem?.detail ?? '';
    switch (error.status) {
      case 403:
        return /admin/i.test(detail) ? t('error.forbidden_admin') : t('error.forbidden');
      case 404:
        return t('error.not_found');
      case 409:
        return t('error.conflict_409', { detail });
      case 412:
        return t('error.stale');
      case 413:
        return t('error.too_large');
      case 415:
        return t('error.unsupported_type');
      case 422:
        return t('error.invalid');
      case 428:
        return t('error.precondition_required');
      case 429:
        return t('error.rate_limited');
      case 401:
        return t('error.unauthorized');
      default:
        return error.status >= 500 ? t('error.server') : t('error.generic', { status: error.status });
    }
  }
  if (error instanceof TypeError) return t('error.network');
  return t('error.unexpected');
}

export function ErrorNotice({ error, title }: { error: unknown; title?: string }) {
  const i = useI18n();
  const forbidden = error instanceof ApiError && error.status === 403;
  return (
    <div class={`notice ${forbidden ? 'notice-forbidden' : 'notice-error'}`} role="alert">
      <p class="notice-title">{title ?? (forbidden ? i.t('error.forbidden_title') : i.t('error.title'))}</p>
      <p>{errorMessage(error, i)}</p>
    </div>
  );
}

export function Notice({
  kind = 'info',
  title,
  children,
  role,
}: {
  kind?: 'info' | 'success' | 'warning' | 'error';
  title?: string;
  children?: ComponentChildren;
  role?: 'status' | 'alert';
}) {
  return (
    <div class={`notice notice-${kind}`} role={role ?? (kind === 'error' ? 'alert' : 'status')}>
      {title && <p class="notice-title">{title}</p>}
      {children}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

// ---- layout pieces ------------------------------------------------------------------------

export function PageHeader({
  title,
  eyebrow,
  subtitle,
  actions,
  back,
}: {
  title: string;
  eyebrow?: ComponentChildren;
  subtitle?: ComponentChildren;
  actions?: ComponentChildren;
  back?: { href: string; label: string };
}) {
  useTitle(title);
  return (
    <header class="page-header">
      {back && (
        <p class="back">
          <Link href={back.href}>← {back.label}</Link>
        </p>
      )}
      <div class="page-header-row">
        <div>
          {eyebrow && <p class="eyebrow">{eyebrow}</p>}
          <h1 tabIndex={-1} class={title.length > 110 ? 'h1-long' : undefined}>
            {title}
          </h1>
          {subtitle && <p class="subtitle">{subtitle}</p>}
        </div>
        {actions && <div class="page-actions">{actions}</div>}
      </div>
    </header>
  );
}

export function Section({
  title,
  children,
  actions,
  id,
  class: cls,
}: {
  title?: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
  id?: string;
  class?: string;
}) {
  const headingId = useId();
  return (
    <section class={`card ${cls ?? ''}`} aria-labelledby={title ? headingId : undefined} id={id}>
      {(title || actions) && (
        <div class="card-header">
          {title && <h2 id={headingId}>{title}</h2>}
          {actions && <div class="card-actions">{actions}</div>}
        </div>
      )}
      {children}
    </section>
  );
}

/** A headline figure: its value (a number, or a number with its total) and what it counts. */
export function Kpi({ value, label, alert = false }: { value: ComponentChildren; label: string; alert?: boolean }) {
  return (
    <li class={alert ? 'kpi kpi-alert' : 'kpi'}>
      <span class="kpi-value">{value}</span>
      <span class="kpi-label">{label}</span>
    </li>
  );
}

export function Facts({ items }: { items: [string, ComponentChildren][] }) {
  return (
    <dl class="facts">
      {items.map(([term, value]) => (
        <div class="fact" key={term}>
          <dt>{term}</dt>
          <dd>{value === null || value === undefined || value === '' ? '—' : value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Tabs({ items, current, label }: { items: { href: string; label: string }[]; current: string; label: string }) {
  return (
    <nav class="tabs" aria-label={label}>
      {items.map((item) => (
        <Link key={item.href} href={item.href} aria-current={item.href === current ? 'page' : undefined}>
          {item.label}
        </Link>
      ))}
    </nav>
  );
}

export function Badge({ tone = 'neutral', children }: { tone?: string; children: ComponentChildren }) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}

const STATUS_TONE: Record<string, string> = {
  pending: 'pending',
  partial: 'partial',
  complied: 'complied',
  disputed: 'disputed',
};

export function ComplianceBadge({ status }: { status: string }) {
  const { l } = useI18n();
  return <Badge tone={STATUS_TONE[status] ?? 'neutral'}>{l('compliance', status)}</Badge>;
}

export function DocDate({ value }: { value: DocumentaryDate | null | undefined }) {
  const { lang } = useI18n();
  if (!value) return <>—</>;
  return <time dateTime={value.date}>{formatDocumentaryDate(value, lang)}</time>;
}

/** A modal dialog (native <dialog>: focus stays inside, Escape closes it). */
export function Dialog({
  open,
  title,
  onClose,
  children,
  wide,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const headingId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      class={`dialog ${wide ? 'dialog-wide' : ''}`}
      aria-labelledby={headingId}
      onClose={() => open && onClose()}
    >
      <h2 id={headingId}>{title}</h2>
      {children}
    </dialog>
  );
}

// ---- form fields --------------------------------------------------------------------------

interface FieldShell {
  label: string;
  error?: string;
  hint?: string;
  required?: boolean;
  class?: string;
}

function Shell({
  id,
  label,
  error,
  hint,
  required,
  class: cls,
  children,
}: FieldShell & { id: string; children: ComponentChildren }) {
  const { t } = useI18n();
  return (
    <div class={`field ${error ? 'field-invalid' : ''} ${cls ?? ''}`}>
      <label for={id}>
        {label}
        {required && <span class="required"> ({t('form.required')})</span>}
      </label>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {children}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

function describedBy(id: string, error?: string, hint?: string): string | undefined {
  const ids = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

export function TextField(
  props: FieldShell & {
    name: string;
    value: string;
    onInput: (value: string) => void;
    type?: 'text' | 'email' | 'password' | 'number' | 'date' | 'url' | 'search' | 'month';
    autocomplete?: string;
    placeholder?: string;
    max?: string;
    min?: string;
    inputMode?: string;
  },
) {
  const id = useId();
  return (
    <Shell id={id} {...props}>
      <input
        id={id}
        name={props.name}
        // Preact's input types are a union keyed on `type`: one member is enough for the checker.
        type={(props.type ?? 'text') as 'text'}
        value={props.value}
        required={props.required}
        autocomplete={props.autocomplete}
        placeholder={props.placeholder}
        max={props.max}
        min={props.min}
        inputMode={props.inputMode}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy(id, props.error, props.hint)}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    </Shell>
  );
}

export function TextArea(
  props: FieldShell & { name: string; value: string; onInput: (value: string) => void; rows?: number },
) {
  const id = useId();
  return (
    <Shell id={id} {...props}>
      <textarea
        id={id}
        name={props.name}
        rows={props.rows ?? 4}
        value={props.value}
        required={props.required}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy(id, props.error, props.hint)}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    </Shell>
  );
}

export interface Option {
  value: string;
  label: string;
}

export function SelectField(
  props: FieldShell & {
    name: string;
    value: string;
    onChange: (value: string) => void;
    options: Option[];
    empty?: string;
  },
) {
  const id = useId();
  return (
    <Shell id={id} {...props}>
      <select
        id={id}
        name={props.name}
        value={props.value}
        required={props.required}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy(id, props.error, props.hint)}
        onChange={(e) => props.onChange(e.currentTarget.value)}
      >
        {props.empty !== undefined && <option value="">{props.empty}</option>}
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Shell>
  );
}

export function CheckboxGroup(props: {
  legend: string;
  name: string;
  options: Option[];
  values: string[];
  onChange: (values: string[]) => void;
  error?: string;
  columns?: boolean;
}) {
  const id = useId();
  return (
    <fieldset class={`field checkbox-group ${props.error ? 'field-invalid' : ''}`} aria-describedby={props.error ? `${id}-error` : undefined}>
      <legend>{props.legend}</legend>
      <div class={props.columns ? 'checkbox-columns' : ''}>
        {props.options.map((o) => {
          const checked = props.values.includes(o.value);
          return (
            <label class="checkbox" key={o.value}>
              <input
                type="checkbox"
                name={props.name}
                value={o.value}
                checked={checked}
                onChange={() =>
                  props.onChange(checked ? props.values.filter((v) => v !== o.value) : [...props.values, o.value])
                }
              />
              <span>{o.label}</span>
            </label>
          );
        })}
      </div>
      {props.error && (
        <p class="field-error" id={`${id}-error`}>
          {props.error}
        </p>
      )}
    </fieldset>
  );
}

/** A documentary date: its precision, then the date at that precision (never an invented day). */
export function DocDateField(props: {
  label: string;
  name: string;
  value: DocumentaryDate | null;
  onChange: (value: DocumentaryDate | null) => void;
  error?: string;
}) {
  const { t } = useI18n();
  const id = useId();
  const [chosen, setChosen] = useState<Precision>(props.value?.precision ?? 'day');
  const precision: Precision = props.value?.precision ?? chosen;
  const date = props.value?.date ?? '';
  const shown = precision === 'year' ? date.slice(0, 4) : precision === 'month' ? date.slice(0, 7) : date;
  const emit = (p: Precision, raw: string) => {
    if (!raw) return props.onChange(null);
    if (p === 'year') return props.onChange({ date: /^\d{4}$/.test(raw) ? `${raw}-01-01` : raw, precision: 'year' });
    if (p === 'month') return props.onChange({ date: `${raw.slice(0, 7)}-01`, precision: 'month' });
    return props.onChange({ date: raw, precision: 'day' });
  };
  const type = precision === 'year' ? 'number' : precision === 'month' ? 'month' : 'date';
  return (
    <fieldset class={`field docdate ${props.error ? 'field-invalid' : ''}`}>
      <legend>{props.label}</legend>
      <div class="docdate-row">
        <div>
          <label for={`${id}-p`}>{t('docdate.precision')}</label>
          <select
            id={`${id}-p`}
            name={`${props.name}-precision`}
            value={precision}
            onChange={(e) => {
              const p = e.currentTarget.value as Precision;
              setChosen(p);
              // Coarser keeps what is known; finer needs the user to say the missing part.
              if (date) emit(p, p === 'year' ? date.slice(0, 4) : p === 'month' ? date.slice(0, 7) : date);
            }}
          >
            <option value="day">{t('docdate.day')}</option>
            <option value="month">{t('docdate.month')}</option>
            <option value="year">{t('docdate.year')}</option>
          </select>
        </div>
        <div>
          <label for={id}>{t('docdate.date')}</label>
          <input
            id={id}
            name={props.name}
            type={type}
            min={precision === 'year' ? 1900 : undefined}
            max={precision === 'year' ? 2100 : undefined}
            placeholder={precision === 'month' ? 'AAAA-MM' : undefined}
            value={shown}
            aria-invalid={props.error ? true : undefined}
            aria-describedby={props.error ? `${id}-error` : undefined}
            onInput={(e) => emit(precision, e.currentTarget.value)}
          />
        </div>
      </div>
      {props.error && (
        <p class="field-error" id={`${id}-error`}>
          {props.error}
        </p>
      )}
    </fieldset>
  );
}

/** A secret shown once (an API key, a webhook secret, a feed URL), with a copy button. */
export function ShownOnce({ label, value, warning }: { label: string; value: string; warning: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const id = useId();
  return (
    <div class="shown-once" role="status">
      <p class="notice-title">{warning}</p>
      <label for={id}>{label}</label>
      <div class="copy-row">
        <input id={id} readOnly value={value} onFocus={(e) => e.currentTarget.select()} class="mono" data-testid="shown-once" />
        <button
          type="button"
          class="button"
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(value);
              setCopied(true);
            } catch {
              setCopied(false);
            }
          }}
        >
          {copied ? t('common.copied') : t('common.copy')}
        </button>
      </div>
    </div>
  );
}

export function Button(
  props: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: 'primary' | 'secondary' | 'danger' | 'link'; busy?: boolean },
) {
  const { variant = 'secondary', busy, children, class: cls, disabled, ...rest } = props;
  return (
    <button
      type="button"
      {...rest}
      class={`button button-${variant} ${cls ?? ''}`}
      disabled={disabled || busy}
      aria-busy={busy ? true : undefined}
    >
      {children}
    </button>
  );
}

export function ButtonLink({ href, children, variant = 'secondary' }: { href: string; children: ComponentChildren; variant?: string }) {
  return (
    <Link href={href} class={`button button-${variant}`}>
      {children}
    </Link>
  );
}

/** Field errors for a form's fields, from an API 422; the rest as a summary. */
export function splitErrors(error: unknown, fields: string[]): { byField: Record<string, string>; other: string[] } {
  const byField: Record<string, string> = {};
  const other: string[] = [];
  if (error instanceof ApiError) {
    for (const [field, message] of Object.entries(error.fieldErrors)) {
      const known = fields.find((f) => field === f || field.startsWith(`${f}.`));
      if (known && field === known) byField[field] = message;
      else if (known) byField[field] = message;
      else other.push(`${field}: ${message}`);
    }
  }
  return { byField, other };
}

export type { Key };
