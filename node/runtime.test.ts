import { describe, expect, it } from 'vitest';
import { isLoopback } from './net/loopback.js';
import { parseListen } from './runtime.js';

describe('listen addresses', () => {
  it('loopback: 127.0.0.0/8, ::1 and localhost only', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1']) expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.7', '192.168.1.1', 'bank.example', '128.0.0.1', 'localhost.evil.example'])
      expect(isLoopback(host), host).toBe(false);
  });

  it('parses host:port and [v6]:port; a port over 65535 names the field', () => {
    expect(parseListen('http.listen', '127.0.0.1:8443')).toEqual({ host: '127.0.0.1', port: 8443 });
    expect(parseListen('http.listen', '[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(() => parseListen('grpc.listen', '127.0.0.1:99999')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', details: { field: 'grpc.listen' } }));
  });
});
