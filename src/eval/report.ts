// How a run is told: lines for a person (text), one JSON document (--json), JUnit XML for CI systems (--junit).
// Everything the bot or the judge wrote is made visible and kept on one line before it reaches a terminal.
import { basename } from 'node:path';
import { describeSentReply } from '../cli/format.js';
import { cell } from '../cli/terminal-text.js';
import type { EvalReport } from './runner.js';

const seconds = (ms: number) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);
const percent = (rate: number) => `${Math.round(rate * 100)}%`;

export function textReport(report: EvalReport): string {
  const lines: string[] = [];
  for (const c of report.cases) {
    const runs = c.runs > 1 ? ` (${c.passes}/${c.runs} runs passed, ${percent(c.passRate)})` : '';
    lines.push(`${c.passed ? '✓' : '✗'} ${cell(c.name, 200)}${runs}  ${basename(c.file)}:${c.line}`);
    if (c.error) lines.push(`    ${cell(c.error, 500)}`);
    c.turns.forEach((turn, i) => {
      const judged = turn.judge?.passed ? `    judge ✓ turn ${i + 1}: ${cell(turn.judge.reason, 300)}` : null;
      if (turn.failures.length === 0) {
        if (judged) lines.push(judged);
        return;
      }
      // A failure is shown even in a case that passed by its pass rate: it is what the failing runs did.
      lines.push(`    turn ${i + 1} (line ${turn.line}), customer: ${cell(turn.customer, 200)}`);
      for (const failure of turn.failures) lines.push(`      ✗ ${cell(failure, 500)}`);
      if (turn.sent.length === 0) lines.push('      sent: nothing');
      for (const message of turn.sent) lines.push(`      sent: ${describeSentReply(message)}`);
    });
  }
  const { passed, failed, promptTokens, completionTokens, ms } = report.totals;
  lines.push('');
  lines.push(`${passed} passed, ${failed} failed; ${promptTokens} prompt + ${completionTokens} completion tokens; ${seconds(ms)}`);
  if (report.unreachable) lines.push(`The model could not be reached: ${cell(report.unreachable, 500)}`);
  return lines.join('\n');
}

export function jsonReport(report: EvalReport): string {
  return JSON.stringify(
    {
      cases: report.cases.map((c) => ({
        file: c.file,
        name: c.name,
        line: c.line,
        passed: c.passed,
        runs: c.runs,
        passes: c.passes,
        passRate: c.passRate,
        ms: c.ms,
        ...(c.error && { error: c.error }),
        turns: c.turns.map((t) => ({
          customer: t.customer,
          sent: t.sent,
          failures: t.failures,
          ...(t.judge && { judge: t.judge }),
        })),
      })),
      totals: report.totals,
      unreachable: report.unreachable,
    },
    null,
    2,
  );
}

const xml = (text: string) =>
  // XML 1.0 has no place for most control characters, even escaped.
  text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd').replace(/[<>&"']/g, (c) => `&${({ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' })[c]};`);

/** JUnit XML: a <testsuite> per file, a <testcase> per case, a <failure> for each that failed. */
export function junitReport(report: EvalReport): string {
  const files = [...new Set(report.cases.map((c) => c.file))];
  const suites = files.map((file) => {
    const cases = report.cases.filter((c) => c.file === file);
    const failures = cases.filter((c) => !c.passed).length;
    const testcases = cases.map((c) => {
      const open = `    <testcase classname="${xml(basename(file))}" name="${xml(c.name)}" time="${(c.ms / 1000).toFixed(3)}"`;
      if (c.passed) return `${open}/>`;
      const detail = [
        ...(c.error ? [c.error] : []),
        ...c.turns.flatMap((t, i) =>
          t.failures.length === 0 ? [] : [`turn ${i + 1} (line ${t.line}), customer: ${t.customer}`, ...t.failures.map((f) => `  ${f}`), ...t.sent.map((m) => `  sent: ${describeSentReply(m)}`)],
        ),
      ].join('\n');
      const message = c.error ?? c.turns.flatMap((t) => t.failures)[0] ?? 'failed';
      const rate = c.runs > 1 ? ` (${c.passes}/${c.runs} runs passed)` : '';
      return `${open}>\n      <failure message="${xml(message + rate)}">${xml(detail)}</failure>\n    </testcase>`;
    });
    return `  <testsuite name="${xml(basename(file))}" tests="${cases.length}" failures="${failures}" time="${(cases.reduce((s, c) => s + c.ms, 0) / 1000).toFixed(3)}">\n${testcases.join('\n')}\n  </testsuite>`;
  });
  const { passed, failed, ms } = report.totals;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="npm run eval" tests="${passed + failed}" failures="${failed}" time="${(ms / 1000).toFixed(3)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
