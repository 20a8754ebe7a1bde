/**
 * Branch staff tasks (GET /v1/reach/tasks, in the token's unit scope) by status, overdue ones
 * marked. Operators take a task (in progress, assigned to a staff id) and close it with an outcome
 * and an optional deal value; compliance reads.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { formatNumber } from '../i18n';
import { Panel, useLoad } from '../ui';
import { useAction } from '../widgets/action';
import { OutcomeForm } from './outcome-form';

interface Task {
  id: number;
  unit: string | null;
  unitFallback: boolean;
  customer: { dataset: string; customerId: string };
  title: string | null;
  text: string;
  priority: number;
  dueOn: string;
  overdue: boolean;
  status: string;
  assignee: string | null;
  outcome: string | null;
  value: number | null;
}
const STATUSES = ['open', 'in_progress', 'done', 'cancelled'] as const;

export function Tasks({ canChange }: { canChange: boolean }) {
  const { t } = useTranslation();
  const [status, setStatus] = useState<string>('open');
  const [overdue, setOverdue] = useState(false);
  const [staff, setStaff] = useState('');
  const [closing, setClosing] = useState<number | null>(null);
  const query = () => {
    const q = new URLSearchParams({ limit: '100' });
    if (status) q.set('status', status);
    if (overdue) q.set('overdue', 'true');
    return q.toString();
  };
  const tasks = useLoad(() => api<{ tasks: Task[] }>(`/v1/reach/tasks?${query()}`), JSON.stringify([status, overdue]), 10_000);
  const action = useAction('task-result');
  const change = (what: () => Promise<Task>, done: (t: Task) => string) =>
    action.run(async () => {
      const updated = await what();
      setClosing(null);
      tasks.reload();
      return done(updated);
    });
  const take = (task: Task) =>
    change(
      () => api<Task>(`/v1/reach/tasks/${task.id}`, { method: 'PATCH', body: { status: 'in_progress', ...(staff.trim() ? { assignee: staff.trim() } : {}) } }),
      (u) => t('reach.tasks.taken', { id: u.id }),
    );
  const close = (task: Task, outcome: string, value: number | undefined) =>
    change(
      () => api<Task>(`/v1/reach/tasks/${task.id}/outcome`, { method: 'POST', body: { outcome, ...(value === undefined ? {} : { value }) } }),
      (u) => t('reach.tasks.closed', { id: u.id, outcome: u.outcome ?? outcome }),
    );
  return (
    <>
      <div className="filters">
        <label>
          <span>{t('reach.status')}</span>
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">{t('reach.any')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`reach.taskStatus.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={overdue} onChange={(e) => setOverdue(e.target.checked)} />
          <span>{t('reach.tasks.overdueOnly')}</span>
        </label>
        {canChange && (
          <label>
            <span>{t('reach.tasks.staff')}</span>
            <input value={staff} onChange={(e) => setStaff(e.target.value)} pattern="[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}" placeholder="rm-li" />
          </label>
        )}
      </div>
      {action.outcome}
      <Panel title={t('reach.tasks.title')} loaded={tasks}>
        {({ tasks: list }) =>
          list.length === 0 ? (
            <p data-testid="tasks-none">{t('reach.tasks.none')}</p>
          ) : (
            <table className="tasks">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">{t('reach.tasks.task')}</th>
                  <th scope="col">{t('reach.tasks.customer')}</th>
                  <th scope="col">{t('reach.tasks.due')}</th>
                  <th scope="col">{t('reach.status')}</th>
                  {canChange && <th scope="col">{t('reach.actions')}</th>}
                </tr>
              </thead>
              <tbody>
                {list.map((task) => (
                  <tr key={task.id} data-testid={`task-${task.id}`}>
                    <td>{task.id}</td>
                    <td>
                      {task.title && <strong>{task.title}</strong>}
                      <span className="task-text">{task.text}</span>
                      <span className="help">
                        {t('reach.tasks.unit', { unit: task.unit ?? t('reach.tasks.organisation') })}
                        {task.unitFallback && ` · ${t('reach.tasks.fallback')}`} · {t('reach.tasks.priority', { p: task.priority })}
                      </span>
                    </td>
                    <td className="mono">
                      {task.customer.dataset}/{task.customer.customerId}
                    </td>
                    <td className={task.overdue ? 'bad' : undefined}>
                      {task.dueOn}
                      {task.overdue && <span className="help">{t('reach.tasks.overdue')}</span>}
                    </td>
                    <td>
                      {t(`reach.taskStatus.${task.status}`, { defaultValue: task.status })}
                      {task.assignee && <span className="help">{task.assignee}</span>}
                      {task.outcome && (
                        <span className="help" data-testid={`task-outcome-${task.id}`}>
                          {task.outcome}
                          {task.value !== null && ` · ${formatNumber(task.value)}`}
                        </span>
                      )}
                    </td>
                    {canChange && (
                      <td className="task-actions">
                        {task.status === 'open' && (
                          <button type="button" disabled={action.busy} onClick={() => take(task)} aria-label={t('reach.tasks.takeOne', { id: task.id })}>
                            {t('reach.tasks.take')}
                          </button>
                        )}
                        {(task.status === 'open' || task.status === 'in_progress') &&
                          (closing === task.id ? (
                            <OutcomeForm
                              busy={action.busy}
                              label={t('reach.tasks.closeOne', { id: task.id })}
                              onSubmit={(outcome, value) => close(task, outcome, value)}
                            />
                          ) : (
                            <button type="button" onClick={() => setClosing(task.id)} aria-label={t('reach.tasks.closeOne', { id: task.id })}>
                              {t('reach.tasks.close')}
                            </button>
                          ))}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Panel>
    </>
  );
}
