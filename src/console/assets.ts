// The console's stylesheet and its one script, served by the server itself (no CDN, no inline script: the
// Content-Security-Policy allows only these files). The pages work without the script; it adds live updates.

/** Small screens first: one column at 390 px, nothing wider than the screen, long words and links wrap. */
export const CONSOLE_CSS = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f23;background:#f4f5f7;overflow-wrap:anywhere;word-break:break-word}
a{color:#0b5cad}
header.top{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.6rem 1rem;background:#12372a;color:#fff}
header.top a{color:#fff;text-decoration:none;font-weight:600}
header.top nav{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center;flex:1}
header.top form{margin:0}
header.top .muted{color:#cfe3d8}
header.top button{background:transparent;color:#fff;border:1px solid #fff6;border-radius:6px;padding:.3rem .7rem;font:inherit;cursor:pointer}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.3rem;margin:.2rem 0 1rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
.filters{display:flex;flex-wrap:wrap;gap:.4rem;margin:0 0 .8rem;padding:0;list-style:none}
.filters a{display:inline-block;padding:.3rem .7rem;border-radius:999px;background:#fff;border:1px solid #d0d5db;text-decoration:none;color:#1b1f23}
.filters a[aria-current=page]{background:#12372a;color:#fff;border-color:#12372a}
form.search{display:flex;gap:.4rem;margin:0 0 1rem}
form.search input{flex:1;min-width:0}
input,textarea,select,button{font:inherit}
input[type=text],input[type=search],input[type=password],textarea,select{padding:.45rem .6rem;border:1px solid #b8bfc7;border-radius:6px;background:#fff;max-width:100%}
textarea{width:100%;min-height:4.5rem}
button,.button{padding:.45rem .9rem;border-radius:6px;border:1px solid #12372a;background:#12372a;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#12372a}
button.danger{background:#a40e26;border-color:#a40e26}
details.forget{margin:1.5rem 0 0;padding:.6rem .8rem;border:1px solid #e1e4e8;border-radius:8px;background:#fff}
details.forget summary{cursor:pointer;color:#a40e26}
ul.inbox{list-style:none;margin:0;padding:0}
ul.inbox li{background:#fff;border:1px solid #e1e4e8;border-radius:8px;margin:0 0 .5rem}
ul.inbox a.row{display:block;padding:.6rem .8rem;color:inherit;text-decoration:none}
.row .who{display:flex;flex-wrap:wrap;gap:0 .6rem;align-items:baseline}
.row .name{font-weight:600}
.row .number,.muted,time{color:#57606a;font-size:.9rem}
.row .last{display:block;margin:.2rem 0;color:#333}
.state{display:inline-block;font-size:.85rem;padding:.05rem .5rem;border-radius:4px;background:#e8f3ec;color:#12372a}
.state.waiting{background:#fff1d6;color:#7a4b00}
.state.taken{background:#e3ecfb;color:#123f86}
.label{display:inline-block;font-size:.8rem;padding:0 .45rem;margin:.1rem .2rem 0 0;border-radius:4px;background:#eef0f3;border:1px solid #d0d5db}
.needs{color:#a40e26;font-size:.85rem;font-weight:600}
.chat{display:flex;flex-direction:column;gap:.5rem;margin:0;padding:0;list-style:none}
.msg{max-width:85%;padding:.5rem .7rem;border-radius:10px;background:#fff;border:1px solid #e1e4e8}
.msg.out{align-self:flex-end;background:#dcf5e4}
.msg.operator{background:#e3ecfb}
.msg.note{align-self:center;background:#fff8c5;border-style:dashed;max-width:95%}
.msg.action{align-self:center;background:transparent;border:0;color:#57606a;font-size:.85rem;max-width:95%}
.msg .meta{display:block;font-size:.8rem;color:#57606a;margin-bottom:.15rem}
.msg img{display:block;max-width:100%;height:auto;border-radius:6px;margin:.3rem 0}
.msg audio{display:block;width:100%;max-width:100%}
.mark{display:inline-block;font-size:.78rem;font-weight:600;padding:0 .4rem;margin:.2rem .3rem 0 0;border-radius:4px;background:#ffe3e3;color:#8a1020}
.mark.info{background:#eef0f3;color:#333}
.banner{padding:.6rem .8rem;border-radius:8px;background:#fff1d6;margin:0 0 1rem}
.banner.ok{background:#e8f3ec}
.banner.error{background:#ffe3e3}
.actions{display:grid;gap:1rem;margin:1.5rem 0}
.actions > div{display:flex;flex-wrap:wrap;gap:.5rem;align-items:start}
.actions form{background:#fff;border:1px solid #e1e4e8;border-radius:8px;padding:.8rem;margin:0}
.actions label{display:block;font-weight:600;margin:0 0 .3rem}
.actions .line{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center;margin-top:.4rem}
.actions .line select,.actions .line input{flex:1;min-width:0}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.9rem;overflow-wrap:normal;word-break:normal}
tbody th{white-space:nowrap}
th,td{padding:.3rem .5rem;border-bottom:1px solid #e1e4e8;text-align:right}
th:first-child,td:first-child{text-align:left}
.table-wrap{max-width:100%;overflow-x:auto}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:1rem}
.chart{background:#fff;border:1px solid #e1e4e8;border-radius:8px;padding:.6rem;margin:0}
.chart h3{font-size:.95rem;margin:0 0 .3rem}
.chart svg{display:block;width:100%;height:auto}
.chart .total{font-size:1.3rem;font-weight:700}
ul.unanswered{list-style:none;padding:0;margin:0}
ul.unanswered li{background:#fff;border:1px solid #e1e4e8;border-radius:8px;padding:.5rem .7rem;margin:0 0 .5rem}
form.period{display:flex;flex-wrap:wrap;gap:.4rem;align-items:end;margin:0 0 1rem}
form.period label{display:flex;flex-direction:column;font-size:.85rem}
.sign-in{max-width:22rem;margin:3rem auto;background:#fff;border:1px solid #e1e4e8;border-radius:8px;padding:1.2rem}
.sign-in h1{margin-top:0}
.sign-in label{display:block;margin:.6rem 0 .2rem;font-weight:600}
.sign-in input{width:100%}
.sign-in button{margin-top:1rem;width:100%}
.sign-in .error{padding:.5rem .7rem;border-radius:6px;background:#ffe3e3}
.sign-in .notice{padding:.5rem .7rem;border-radius:6px;background:#fff1d6}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (min-width:50rem){.actions{grid-template-columns:1fr 1fr}}
`;

/**
 * Live updates: the server says when something changed (server-sent events); the page fetches itself again and
 * swaps the regions marked data-live, leaving forms being typed in untouched.
 */
export const CONSOLE_JS = `
(function () {
  var live = document.querySelectorAll('[data-live]');
  if (!live.length || !window.EventSource || !window.DOMParser) return;
  // At most one refresh every two seconds, however fast messages come: "within a few seconds" costs the server little.
  var busy = false, again = false, last = 0;
  function refresh() {
    if (busy) { again = true; return; }
    var wait = last + 2000 - Date.now();
    if (wait > 0) { busy = true; setTimeout(function () { busy = false; refresh(); }, wait); return; }
    busy = true;
    last = Date.now();
    fetch(location.href, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, 'text/html');
        document.querySelectorAll('[data-live]').forEach(function (el) {
          var fresh = doc.getElementById(el.id);
          if (fresh) el.replaceWith(document.importNode(fresh, true));
        });
      })
      .catch(function () {})
      .then(function () { busy = false; if (again) { again = false; setTimeout(refresh, 500); } });
  }
  var source = new EventSource(document.body.getAttribute('data-live-url'));
  source.addEventListener('change', refresh);
})();
`;
