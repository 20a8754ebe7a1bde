/**
 * A labelled form control with its help text and the error the server named it in. The control
 * is rendered by the caller with the ids this gives it, so the label, the help and the error are
 * announced with it (aria-describedby) and an invalid field says so (aria-invalid).
 */
import './field.css';
import { type ReactNode, useId } from 'react';

/** What the control must carry to be tied to its label, help and error. */
export interface ControlProps {
  id: string;
  'aria-invalid'?: true;
  'aria-describedby'?: string;
}

export function Field({ label, help, error, children }: { label: string; help?: string; error?: string; children: (control: ControlProps) => ReactNode }) {
  const id = useId();
  const described = [help && `${id}-help`, error && `${id}-error`].filter(Boolean).join(' ');
  return (
    <div className={error ? 'field invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(error ? { 'aria-invalid': true } : {}), ...(described ? { 'aria-describedby': described } : {}) })}
      {help && (
        <span id={`${id}-help`} className="help">
          {help}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}
