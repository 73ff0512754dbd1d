// Baseline: the hand-written Express webhook that Whatspie's documentation walks you through: parse the JSON,
// log the message, pick a reply by keyword, answer. No LLM, no database, no validation.
import express from 'express';

const app = express();
app.use(express.json());
app.post('/webhook', (req, res) => {
  const { message, from, type } = req.body;
  console.log(`Message from ${from}: ${message ?? type}`);
  if (typeof message === 'string' && message.toLowerCase().includes('help')) {
    res.json({ type: 'chat', body: 'How can we help you today?', simulation: true });
    return;
  }
  res.json({ type: 'chat', body: "Thank you for your message! We'll get back to you shortly.", simulation: true });
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`listening ${(server.address() as { port: number }).port}`));
