// Baseline: a bare Hono endpoint that answers every webhook with a fixed reply. No LLM, no database.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const reply = { type: 'chat', body: "Thank you for your message! We'll get back to you shortly.", simulation: true };
const app = new Hono().post('/webhook', (c) => c.json(reply));
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' }, (info) => console.log(`listening ${info.port}`));
