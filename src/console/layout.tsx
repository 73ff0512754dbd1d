// The frame of every console page: the stylesheet and script served by the server, the navigation and "Sign out".
import type { Child } from 'hono/jsx';
import { ui } from './text.js';

export const ASSETS = { css: '/console/assets/console.css', js: '/console/assets/console.js' };

/** `liveMark`: the database's change mark read before the page's data, so that the live updates miss nothing after it. */
export function Layout(props: { title: string; operator: { name: string }; current?: 'inbox' | 'stats'; liveMark?: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · ${ui.appName}`}</title>
        <link rel="stylesheet" href={ASSETS.css} />
        <script src={ASSETS.js} defer></script>
      </head>
      <body data-live-url={`/console/live${props.liveMark ? `?since=${encodeURIComponent(props.liveMark)}` : ''}`}>
        <header class="top">
          <nav aria-label="Console">
            <a href="/console" aria-current={props.current === 'inbox' ? 'page' : undefined}>{ui.inbox}</a>
            <a href="/console/stats" aria-current={props.current === 'stats' ? 'page' : undefined}>{ui.stats}</a>
          </nav>
          <span class="muted">{props.operator.name}</span>
          <form method="post" action="/console/logout">
            <button type="submit">{ui.signOut}</button>
          </form>
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  );
}
