// @ts-check
import { t } from '../../i18n.js';
import { machineTable } from '../../machine-table.js';

export default async function vms(panel, app) {
  const table = machineTable(app, { caption: t('admin.vms'), actions: ['start', 'stop', 'force-off', 'delete'] });
  panel.append(table.element);
  await table.start();
  return () => table.stop();
}
