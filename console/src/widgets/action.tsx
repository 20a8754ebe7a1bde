/** A button's long action: busy while it runs (the button shows it), then its message or the server's error. */
import { type ReactNode, useState } from 'react';
import { ErrorBox } from '../ui';

export interface Action {
  busy: boolean;
  /** Runs `what` unless one is running; its result is the message shown. */
  run(what: () => Promise<string>): Promise<void>;
  /** The outcome of the last run: a message (role=status) or the error box. */
  outcome: ReactNode;
}

/** @example const action = useAction(); <button disabled={action.busy} onClick={() => action.run(async () => …)}>…</button>{action.outcome} */
export function useAction(testId?: string): Action {
  const [state, setState] = useState<{ busy: boolean; message?: string; error?: unknown }>({ busy: false });
  const run = async (what: () => Promise<string>) => {
    if (state.busy) return;
    setState({ busy: true });
    try {
      setState({ busy: false, message: await what() });
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  const outcome =
    state.error !== undefined ? (
      <ErrorBox error={state.error} />
    ) : state.message ? (
      <p role="status" className="ok" data-testid={testId}>
        {state.message}
      </p>
    ) : null;
  return { busy: state.busy, run, outcome };
}
