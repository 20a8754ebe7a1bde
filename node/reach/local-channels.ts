/**
 * The three channels the node keeps itself, built together: what the dispatcher delivers through
 * (`channels`, by name) and what the HTTP API and the CLI reach (`inbox`, `calls`, `tasks`).
 */
import { callsChannel, type CallsApi } from './calls/calls.js';
import { inboxChannel, type InboxApi } from './inbox/inbox.js';
import type { LocalChannel, LocalChannelName } from './local-channel.js';
import type { LocalChannelPorts } from './local-delivery.js';
import { tasksChannel, type TasksApi } from './tasks/tasks.js';

export interface LocalChannelsApi {
  readonly inbox: InboxApi;
  readonly calls: CallsApi;
  readonly tasks: TasksApi;
}

export interface LocalChannels extends LocalChannelsApi {
  /** For the dispatcher: each node-kept channel's `deliver`. */
  readonly channels: ReadonlyMap<LocalChannelName, LocalChannel>;
}

/** @example const local = localChannels({ db, audit, now, feedback }, { callContactColumn: config.reach.channels.call?.contactColumn }) */
export function localChannels(ports: LocalChannelPorts, options: { callContactColumn?: string | undefined } = {}): LocalChannels {
  const inbox = inboxChannel(ports);
  const calls = callsChannel(ports, options.callContactColumn ? { contactColumn: options.callContactColumn } : {});
  const tasks = tasksChannel(ports);
  return {
    inbox: inbox.api,
    calls: calls.api,
    tasks: tasks.api,
    channels: new Map([inbox, calls, tasks].map(({ channel }) => [channel.channel, channel])),
  };
}
