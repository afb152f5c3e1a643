-- Tracing (issue 20, docs/tracing.md): the W3C traceparent of the request
-- that created a delivery, so that the scheduler, which reads the delivery
-- later and perhaps in another process, continues that request's trace.
-- Empty when tracing was off.
ALTER TABLE deliveries ADD COLUMN trace_parent text NOT NULL DEFAULT '';
