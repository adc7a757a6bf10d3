/** The whole stylesheet: system fonts, one column on a phone, tables that scroll sideways. */
export const CSS = `
:root { --fg:#1d2430; --muted:#5b6675; --line:#dde3ea; --bg:#f6f8fa; --ok:#1a7f37; --bad:#c62828; --warn:#9a6700; --accent:#0b5cad; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--fg); background:var(--bg); }
header { background:#14324f; color:#fff; padding:.6rem 1rem; display:flex; flex-wrap:wrap; gap:.4rem 1rem; align-items:center; }
header a { color:#fff; text-decoration:none; }
header .brand { font-weight:700; margin-right:auto; }
header form { margin:0; }
main { max-width:1200px; margin:0 auto; padding:1rem; }
h1 { font-size:1.35rem; margin:.2rem 0 1rem; }
h2 { font-size:1.1rem; margin:1.4rem 0 .5rem; }
a { color:var(--accent); }
.card { background:#fff; border:1px solid var(--line); border-radius:6px; padding:.8rem 1rem; margin-bottom:1rem; }
.grid { display:grid; gap:1rem; grid-template-columns:repeat(auto-fit,minmax(240px,1fr)); }
.scroll { overflow-x:auto; }
table { width:100%; border-collapse:collapse; background:#fff; }
th, td { text-align:left; padding:.4rem .5rem; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:.8rem; text-transform:uppercase; color:var(--muted); letter-spacing:.03em; }
.status { font-weight:600; white-space:nowrap; } .subject { white-space:nowrap; }
.status-done, .ok { color:var(--ok); } .status-failed, .bad { color:var(--bad); } .status-retrying, .status-skipped, .warn { color:var(--warn); }
.muted { color:var(--muted); } .mono, code, pre { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:.85rem; }
pre { background:var(--bg); border:1px solid var(--line); padding:.6rem; overflow:auto; max-height:28rem; margin:.4rem 0; white-space:pre-wrap; word-break:break-word; }
dl { display:grid; grid-template-columns:max-content 1fr; gap:.25rem 1rem; margin:0; }
dt { color:var(--muted); } dd { margin:0; word-break:break-word; }
.error { border-left:4px solid var(--bad); }
.error .upstream { font-size:1.05rem; font-weight:600; }
form.inline { display:inline; }
.filters { display:flex; flex-wrap:wrap; gap:.5rem; align-items:end; }
.filters label { display:flex; flex-direction:column; font-size:.8rem; color:var(--muted); }
input, select, button { font:inherit; padding:.35rem .5rem; border:1px solid #b8c2cc; border-radius:4px; background:#fff; }
input.token { width:100%; max-width:28rem; }
button { background:var(--accent); color:#fff; border-color:var(--accent); cursor:pointer; }
button.secondary { background:#fff; color:var(--accent); }
.actions { display:flex; flex-wrap:wrap; gap:.5rem; margin:.6rem 0; }
details { margin:.3rem 0; } summary { cursor:pointer; }
.step { border-top:1px solid var(--line); padding:.5rem 0; }
.notice { background:#fff8c5; border:1px solid #d4a72c; padding:.5rem .8rem; border-radius:4px; margin-bottom:1rem; }
svg.spark { width:120px; height:24px; }
@media (max-width:640px) { main { padding:.6rem; } th.opt, td.opt { display:none; } dl { grid-template-columns:1fr; } dt { margin-top:.4rem; } }
`;
