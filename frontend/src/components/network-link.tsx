import { type NodeKind, networkHref } from '../connections/graph';
import { useI18n } from '../i18n';
import { ButtonLink } from './ui';

/** "Ver red": the network view centred on this record. */
export function NetworkLink({ kind, id }: { kind: NodeKind; id: string }) {
  const { t } = useI18n();
  return <ButtonLink href={networkHref(kind, id)}>{t('network.see')}</ButtonLink>;
}
