// Tracing is off unless OTEL_* configures an exporter, and off costs nothing: the wrappers hand back what they get.
import diagnostics from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { runtimeTracing, startTelemetry, telemetryActive, telemetryConfigured, traceHttpServer, tracerFor } from './telemetry.ts';

describe('telemetry configuration', () => {
  it.each([
    [{}, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, true],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, true],
    [{ OTEL_TRACES_EXPORTER: 'console' }, true],
    [{ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, false],
    [{ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, false],
  ])('%j → %s', (env, on) => {
    expect(telemetryConfigured(env as NodeJS.ProcessEnv)).toBe(on);
  });

  it('off by default: nothing starts, the HTTP wrapper returns the handler itself, no runtime tracing', async () => {
    expect(await startTelemetry({})).toBe(false);
    expect(telemetryActive()).toBe(false);
    const handler = () => {};
    expect(traceHttpServer('commerce', handler)).toBe(handler);
    expect(runtimeTracing('gateway')).toBeUndefined();
    expect(tracerFor('gateway')).toBeUndefined();
    // nobody listens on ioredis's tracing channels, so ioredis skips its tracing path altogether
    for (const name of ['ioredis:command', 'ioredis:batch']) expect(diagnostics.tracingChannel(name).hasSubscribers).toBe(false);
  });

  it('an unsupported protocol is refused with a clear message', async () => {
    await expect(startTelemetry({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).rejects.toThrow(/grpc is not supported/);
    expect(telemetryActive()).toBe(false);
  });
});
