// Prometheus metrics: what an operator graphs and alerts on. One registry per app, so tests stay independent.
import { Counter, Histogram, Registry } from 'prom-client';
import type { Answer } from '../agent/responder.js';
import { readWebhookReply } from '../whatspie/reply.js';
import type { ToolCallRecord } from '../tools/tool-call.js';

export interface Metrics {
  registry: Registry;
  /** A webhook request that ended without an answer (401, 400, 413…). */
  rejected(reason: string): void;
  answered(answer: Answer, replyLatencySeconds: number): void;
  /** A v2 event that is not a message (message_read, message_failed, device_disconnected, …). */
  whatspieEvent(type: string): void;
  /** A call of an operator's tool (prompts/tools/), by tool and outcome. */
  toolCall(record: ToolCallRecord): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  const requests = new Counter({ name: 'whatsbot_webhook_requests_total', help: 'Webhook requests by outcome', labelNames: ['outcome'], registers: [registry] });
  const replies = new Counter({ name: 'whatsbot_replies_total', help: 'WhatsApp messages sent, by type', labelNames: ['type'], registers: [registry] });
  const fallbacks = new Counter({ name: 'whatsbot_fallbacks_total', help: 'Fallback replies by reason', labelNames: ['reason'], registers: [registry] });
  const duplicates = new Counter({ name: 'whatsbot_duplicate_deliveries_total', help: 'Redelivered messages answered from the store', registers: [registry] });
  const rateLimited = new Counter({ name: 'whatsbot_rate_limited_messages_total', help: 'Messages over the per-sender rate limit', registers: [registry] });
  const events = new Counter({ name: 'whatsbot_whatspie_events_total', help: "Whatspie's v2 events that are not messages, by type (alert on device_disconnected)", labelNames: ['type'], registers: [registry] });
  // The tool label holds only names from prompts/tools/ (the model can call no other), so it stays bounded.
  const toolCalls = new Counter({ name: 'whatsbot_tool_calls_total', help: "Calls of the operators' tools (prompts/tools/), by tool and outcome", labelNames: ['tool', 'outcome'], registers: [registry] });
  const toolSeconds = new Histogram({ name: 'whatsbot_tool_call_seconds', help: "Time the operators' tools took to answer", labelNames: ['tool'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5], registers: [registry] });
  const buckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 4, 4.5, 5, 10];
  const llmLatency = new Histogram({ name: 'whatsbot_llm_latency_seconds', help: 'Time the LLM took to answer', buckets, registers: [registry] });
  const replyLatency = new Histogram({ name: 'whatsbot_reply_latency_seconds', help: 'Time from a webhook arriving to its reply leaving', buckets, registers: [registry] });

  return {
    registry,
    whatspieEvent(type) {
      // Known types by name; anything else under one label, so a sender cannot grow the metric without bound.
      events.inc({ type: ['message_read', 'message_failed', 'device_disconnected'].includes(type) ? type : 'other' });
    },
    toolCall(record) {
      toolCalls.inc({ tool: record.tool, outcome: record.outcome });
      if (record.outcome !== 'invalid_arguments') toolSeconds.observe({ tool: record.tool }, record.ms / 1000);
    },
    rejected(reason) {
      requests.inc({ outcome: reason });
    },
    answered(answer, seconds) {
      requests.inc({ outcome: answer.outcome });
      replyLatency.observe(seconds);
      if (answer.outcome === 'duplicate') duplicates.inc();
      if (answer.outcome === 'over_rate_limit' || answer.outcome === 'rate_limit_notice') rateLimited.inc();
      if (answer.fallbackReason) fallbacks.inc({ reason: answer.fallbackReason });
      if (answer.llmLatencyMs !== null) llmLatency.observe(answer.llmLatencyMs / 1000);
      if (answer.outcome !== 'duplicate') for (const message of readWebhookReply(answer.reply) ?? []) replies.inc({ type: message.kind });
    },
  };
}
