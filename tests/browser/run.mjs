#!/usr/bin/env node
/*! Real-browser XSS harness for nbsanitize.

For every vector in `corpus/xss/` (one payload per file, `.html`, `.svg`, `.md`):
1. sanitize it with `$NBSANITIZE_BIN sanitize --format html|svg|markdown [$NBSANITIZE_ARGS] -`;
2. render it the way JupyterLab does, in Debian's headless chromium driven by playwright-core:
   - `.html`: `innerHTML` into a div (scripts re-created like JupyterLab's trusted path), the same
     after one inert parse/serialize round trip (mXSS), and as a full `text/html` document;
     then again as a notebook's `text/html` output (sanitized inside an `.ipynb`, where it stays a
     fragment): `innerHTML` like JupyterLab, and written into a page like nbconvert's HTML export;
   - `.svg`: as an image document (`image/svg+xml`) and inline in an HTML page;
   - `.md`: rendered by `marked` (JupyterLab's parser), then `innerHTML`;
3. fire every surviving `on*` handler, focus and hover every element, click every link, area and
   submit button, wait for animations, and check document properties for DOM clobbering;
4. collect execution signals: `top.__xss(id)`, `alert/confirm/prompt/print`, a JavaScript dialog,
   `postMessage('xss:<id>')`, a request to `/xss/<id>` on the test server, a clobbered `document`
   property.

Runs (default: both):
- `sanitized`: fails listing every vector that ran after sanitizing, except the ids listed in
  `tests/browser/known-failures.txt` (printed loudly);
- `raw` (self-check): the same harness without sanitizing must see every vector run, except the
  ids listed in `tests/browser/browser-inert.txt` with a reason.

Usage: node tests/browser/run.mjs [--only sanitized|raw] [--filter SUBSTRING] [--verbose]
Environment: NBSANITIZE_BIN (required for the sanitized run), NBSANITIZE_ARGS (extra args, split
on whitespace), CHROMIUM (default /usr/bin/chromium), XSS_CONCURRENCY (default 4).
Exit: 0 pass, 1 a vector ran (or the self-check missed one), 2 harness error. */

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { marked } from 'marked';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const CORPUS = path.join(ROOT, 'corpus', 'xss');
const FORMAT = { html: 'html', svg: 'svg', md: 'markdown', ipynb: 'ipynb' };
const MODES = {
  html: ['fragment', 'document', 'reparse', 'output', 'export'],
  svg: ['image', 'inline'],
  md: ['markdown'],
};
/** Modes that render the vector as a notebook output rather than as a file. */
const OUTPUT_MODES = new Set(['output', 'export']);
const SETTLE_MS = 300;
const NAV_TIMEOUT_MS = 5000;
const RENDER_TIMEOUT_MS = 30000;
const BATCH = 24;

function parseArgs(argv) {
  const opts = { only: null, filter: null, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only') opts.only = argv[++i];
    else if (a === '--filter') opts.filter = argv[++i];
    else if (a === '--verbose' || a === '-v') opts.verbose = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (opts.only && !['sanitized', 'raw'].includes(opts.only)) {
    throw new Error('--only takes sanitized or raw');
  }
  return opts;
}

/** `id<TAB>reason` lines; `#` comments and blank lines ignored. */
function readIdList(file) {
  const map = new Map();
  if (!fs.existsSync(file)) return map;
  for (const raw of fs.readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [id, ...rest] = line.split(/\s+/);
    map.set(id, rest.join(' '));
  }
  return map;
}

function loadVectors(filter) {
  const readme = fs.readFileSync(path.join(CORPUS, 'README.md'), 'utf8');
  const vectors = [];
  const problems = [];
  for (const name of fs.readdirSync(CORPUS).sort()) {
    const ext = path.extname(name).slice(1);
    if (name === 'README.md') continue;
    if (!FORMAT[ext]) {
      problems.push(`${name}: unknown extension`);
      continue;
    }
    const id = name.slice(0, -(ext.length + 1));
    if (!readme.includes(`| \`${id}\` | \`${name}\` |`)) {
      problems.push(`${name}: no row in corpus/xss/README.md`);
    }
    const bytes = fs.readFileSync(path.join(CORPUS, name));
    if (!bytes.toString('utf8').includes(id) && !id.startsWith('clobber-')) {
      problems.push(`${name}: payload does not report its id`);
    }
    if (!filter || id.includes(filter)) vectors.push({ id, ext, name, bytes });
  }
  for (const m of readme.matchAll(/^\| `([^`]+)` \| `([^`]+)` \|/gm)) {
    if (!fs.existsSync(path.join(CORPUS, m[2]))) problems.push(`README.md row ${m[1]}: no file ${m[2]}`);
  }
  return { vectors, problems };
}

/** The vector as the only `text/html` output of a notebook. */
function asNotebook(text) {
  const output = { data: { 'text/html': text }, metadata: {}, output_type: 'display_data' };
  const cell = { cell_type: 'code', execution_count: 1, id: 'c', metadata: {}, outputs: [output], source: 'x' };
  return JSON.stringify({ cells: [cell], metadata: {}, nbformat: 4, nbformat_minor: 5 });
}

/** Sanitizes an `.html` vector as a notebook output; resolves to the output's HTML ('' when
 * the output was removed). */
async function sanitizeOutput(bin, extraArgs, vector) {
  const text = vector.bytes.toString('utf8');
  const r = await sanitize(bin, extraArgs, { ext: 'ipynb', bytes: Buffer.from(asNotebook(text)) });
  if (r.error) return r;
  try {
    const nb = JSON.parse(r.bytes.toString('utf8'));
    const html = nb.cells[0].outputs[0]?.data?.['text/html'] ?? '';
    return { bytes: Buffer.from(Array.isArray(html) ? html.join('') : html) };
  } catch (e) {
    return { error: `the sanitized notebook does not parse: ${e.message}` };
  }
}

/** A page like nbconvert's HTML export, with the output written into it. */
function exportPage(html) {
  return `<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>Notebook</title>\n</head>\n`
    + `<body class="jp-Notebook">\n<div class="jp-Cell jp-CodeCell">\n<div class="jp-InputArea"><pre>x</pre></div>\n`
    + `<div class="jp-OutputArea-output" data-mime-type="text/html">\n${html}\n</div>\n</div>\n</body>\n</html>\n`;
}

function sanitize(bin, extraArgs, vector) {
  return new Promise((resolve) => {
    const args = ['sanitize', '--format', FORMAT[vector.ext], ...extraArgs, '-'];
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ error: `cannot run ${bin}: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        const why = signal ? `killed by ${signal}` : `exit ${code}`;
        resolve({ error: `nbsanitize ${why}: ${Buffer.concat(err).toString().trim()}` });
      } else {
        resolve({ bytes: Buffer.concat(out) });
      }
    });
    child.stdin.on('error', () => {});
    child.stdin.end(vector.bytes);
  });
}

/** Runs `fn` over `items` with at most `n` in flight. */
async function pool(items, n, fn) {
  let next = 0;
  const workers = Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  });
  await Promise.all(workers);
}

const jsonForScript = (value) =>
  JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

/** Host page for fragment rendering: innerHTML, then re-create scripts like JupyterLab's
 * `evalInnerHTMLScriptTags` does for trusted output. */
function hostPage(html, reparse = false) {
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>nbsanitize xss host</title></head>
<body><div class="jp-OutputArea-output" id="nbx-host"></div>
<script>
(() => {
  const host = document.getElementById('nbx-host');
  const html = ${jsonForScript(html)};
  if (${reparse}) {
    // parse inertly, serialize, parse again: what a parse-and-serialize filter does (mXSS)
    const t = document.createElement('template');
    t.innerHTML = html;
    host.innerHTML = t.innerHTML;
  } else {
    host.innerHTML = html;
  }
  for (const old of Array.from(host.getElementsByTagName('script'))) {
    const s = document.createElement('script');
    for (const a of Array.from(old.attributes)) s.setAttribute(a.name, a.value);
    s.textContent = old.textContent;
    old.replaceWith(s);
  }
})();
</script></body></html>`;
}

/** Installed in every frame before any of its scripts run. */
const INIT_SCRIPT = `(() => {
  const report = (how, msg) => { try { window.__nbxReport(how, String(msg)); } catch (e) {} };
  try {
    Object.defineProperty(window, '__xss', { value: (id) => report('__xss', id), configurable: false });
  } catch (e) {}
  for (const f of ['alert', 'confirm', 'prompt', 'print']) {
    try { window[f] = (m) => { report(f, m); return null; }; } catch (e) {}
  }
  window.addEventListener('message', (e) => {
    if (typeof e.data === 'string' && e.data.startsWith('xss:')) report('postMessage', e.data.slice(4));
  });
})();`;

/** Runs in every frame after load: fires handlers, focuses, hovers, clicks. Returns nothing;
 * signals flow through __nbxReport. */
const EXERCISE = async ({ settle }) => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  await sleep(settle);
  const all = () => Array.from(document.querySelectorAll('*'));
  // DOM clobbering: an element shadowing a built-in document property.
  const named = document.querySelectorAll('[name], [id]');
  for (const el of named) {
    for (const key of [el.getAttribute('name'), el.getAttribute('id')]) {
      if (!key) continue;
      let proto = Object.getPrototypeOf(document);
      let builtin = false;
      while (proto) {
        if (Object.prototype.hasOwnProperty.call(proto, key)) builtin = true;
        proto = Object.getPrototypeOf(proto);
      }
      if (!builtin) continue;
      const v = document[key];
      if (v instanceof Element || v instanceof HTMLCollection) {
        try { window.__nbxReport('clobber', `document.${key}`); } catch (e) {}
      }
    }
  }
  const fire = (el, type) => {
    try {
      const init = { bubbles: true, cancelable: true, composed: true };
      let ev;
      if (/^(mouse|click|dblclick|contextmenu)/.test(type)) ev = new MouseEvent(type, init);
      else if (/^pointer/.test(type)) ev = new PointerEvent(type, init);
      else if (/^focus|^blur/.test(type)) ev = new FocusEvent(type, init);
      else if (/^animation/.test(type)) ev = new AnimationEvent(type, init);
      else if (/^transition/.test(type)) ev = new TransitionEvent(type, init);
      else ev = new Event(type, init);
      el.dispatchEvent(ev);
    } catch (e) {}
  };
  // 1. every surviving on* attribute, with its own event type
  for (const el of all()) {
    for (const a of Array.from(el.attributes)) {
      const n = a.name.toLowerCase();
      if (!(n.startsWith('on') && n.length > 2)) continue;
      fire(el, n.slice(2));
      // Handlers this browser does not compile for this element or event (e.g. Chrome ignores
      // ontransitionend on synthetic events, onstart on <marquee>) still run: any surviving on*
      // attribute is a sanitizer defect, whichever browser would honour it.
      if (typeof el[n] !== 'function') {
        try { new Function('event', a.value).call(el, new Event(n.slice(2))); } catch (e) {}
      }
    }
  }
  // 2. focus and hover everything
  for (const el of all()) {
    try { if (typeof el.focus === 'function') el.focus(); } catch (e) {}
    for (const t of ['pointerover', 'pointerenter', 'mouseover', 'mouseenter', 'mousemove', 'focusin']) fire(el, t);
  }
  // 3. open popovers and details
  for (const el of all()) {
    try { if (el.hasAttribute('popover')) el.showPopover(); } catch (e) {}
  }
  await sleep(50);
  // 4. click every link, area and submit control (javascript: ones included), then forms
  const clickable = all().filter((el) => {
    const tag = el.localName.toLowerCase();
    return el.hasAttribute('href') || el.hasAttributeNS('http://www.w3.org/1999/xlink', 'href') ||
      tag === 'a' || tag === 'area' || tag === 'button' || (tag === 'input' && /^(submit|image)$/i.test(el.type || ''));
  });
  for (const el of clickable) {
    try {
      if (typeof el.click === 'function') el.click();
      else fire(el, 'click');
    } catch (e) {}
    // let a javascript: navigation run before the next click can cancel it
    await sleep(20);
  }
  await sleep(settle);
};

function startServer(pages, hits) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const m = url.pathname.match(/^\/xss\/([^/]+)/);
    if (m) {
      const id = m[1].replace(/\.[a-z]+$/, '');
      hits.push({ id, path: url.pathname });
      res.writeHead(204);
      res.end();
      return;
    }
    const page = pages.get(url.pathname);
    if (!page) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': page.type, 'cache-control': 'no-store' });
    res.end(page.body);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** Builds the pages for one vector's rendered content; returns their paths. */
function buildPages(pages, variant, vector, content, output) {
  const base = `/${variant}/${vector.id}`;
  const text = content.toString('utf8');
  const out = [];
  for (const mode of MODES[vector.ext]) {
    if (OUTPUT_MODES.has(mode) && output === undefined) continue;
    const p = `${base}/${mode}`;
    let page;
    if (mode === 'output') page = { type: 'text/html; charset=utf-8', body: hostPage(output.toString('utf8')) };
    else if (mode === 'export') page = { type: 'text/html; charset=utf-8', body: exportPage(output.toString('utf8')) };
    else if (mode === 'fragment') page = { type: 'text/html; charset=utf-8', body: hostPage(text) };
    else if (mode === 'reparse') page = { type: 'text/html; charset=utf-8', body: hostPage(text, true) };
    else if (mode === 'document') page = { type: 'text/html; charset=utf-8', body: content };
    else if (mode === 'image') page = { type: 'image/svg+xml', body: content };
    else if (mode === 'inline') page = { type: 'text/html; charset=utf-8', body: hostPage(text) };
    else if (mode === 'markdown') page = { type: 'text/html; charset=utf-8', body: hostPage(marked.parse(text)) };
    pages.set(p, page);
    out.push({ mode, path: p });
  }
  return out;
}

/** Frame that renders `target` directly inside a batch page, or null for the batch page. */
function targetFrame(frame) {
  let f = frame;
  while (f && f.parentFrame() && f.parentFrame().parentFrame()) f = f.parentFrame();
  return f && f.parentFrame() ? f : null;
}

/** One page holds a batch of renderings, each in its own iframe (same origin, so `top.__xss`
 * reaches the harness and each rendering keeps its own document, base URL and navigation). */
async function renderBatch(context, origin, pages, batchPath, batch, record) {
  const frameOf = new Map(); // frame name -> job
  const iframes = batch
    .map((job, i) => {
      frameOf.set(`nbx${i}`, job);
      return `<iframe name="nbx${i}" src="${job.target.path}" width="400" height="200"></iframe>`;
    })
    .join('\n');
  pages.set(batchPath, {
    type: 'text/html; charset=utf-8',
    body: `<!DOCTYPE html><html><head><meta charset="utf-8"><title>batch</title></head><body>${iframes}</body></html>`,
  });
  const jobOf = (frame) => {
    const f = targetFrame(frame);
    return f ? frameOf.get(f.name()) : undefined;
  };
  const page = await context.newPage();
  page.__nbxRecord = (frame, how, msg) => record(jobOf(frame), how, msg);
  page.on('dialog', (d) => {
    record(undefined, `dialog:${d.type()}`, d.message());
    d.dismiss().catch(() => {});
  });
  page.on('popup', (p) => p.close().catch(() => {}));
  let timer;
  const deadline = new Promise((resolve) => {
    timer = setTimeout(() => {
      for (const job of batch) record(job, 'harness', 'timeout');
      resolve();
    }, RENDER_TIMEOUT_MS);
  });
  const work = (async () => {
    await page.goto(origin + batchPath, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS }).catch(() => {});
    const frames = page.frames().filter((f) => f !== page.mainFrame());
    await Promise.all(frames.map((f) => f.evaluate(EXERCISE, { settle: SETTLE_MS }).catch(() => {})));
  })();
  try {
    await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
    await page.close().catch(() => {});
  }
}

async function runVariant(context, origin, pages, hits, variant, vectors, contents, outputs, concurrency, verbose) {
  const signals = new Map(); // id -> [{mode, how, msg}]
  const ids = new Set(vectors.map((v) => v.id));
  const add = (id, s) => {
    if (!signals.has(id)) signals.set(id, []);
    signals.get(id).push(s);
  };
  const jobs = [];
  for (const v of vectors) {
    const c = contents.get(v.id);
    if (c === undefined) continue;
    for (const target of buildPages(pages, variant, v, c, outputs.get(v.id))) jobs.push({ v, target });
  }
  // One mode per batch page, so a signal raised in the batch page itself (`top.__xss`) still
  // knows its rendering mode.
  const batches = [];
  const modes = [...new Set(jobs.map((j) => j.target.mode))];
  for (const mode of modes) {
    const same = jobs.filter((j) => j.target.mode === mode);
    for (let i = 0; i < same.length; i += BATCH) batches.push(same.slice(i, i + BATCH));
  }
  hits.length = 0;
  // A signal names its vector (the payload passes its id); otherwise the frame decides.
  await pool(batches, concurrency, async (batch, i) => {
    const t0 = Date.now();
    const record = (job, how, msg) => {
      const text = String(msg);
      const id = ids.has(text) ? text : job ? job.v.id : `unattributed`;
      add(id, { mode: batch[0].target.mode, how, msg: text });
    };
    await renderBatch(context, origin, pages, `/batch/${variant}/${i}`, batch, record);
    if (verbose) process.stderr.write(`  ${variant} batch ${i} (${batch.length} renderings) ${Date.now() - t0} ms\n`);
  });
  await new Promise((r) => setTimeout(r, 200));
  for (const h of hits) add(ids.has(h.id) ? h.id : 'unattributed', { mode: '?', how: 'request', msg: h.path });
  return signals;
}

function add(signals, id, s) {
  if (!signals.has(id)) signals.set(id, []);
  signals.get(id).push(s);
}

function describe(list) {
  const seen = new Set();
  const parts = [];
  for (const s of list) {
    const t = `${s.mode}:${s.how}(${String(s.msg).slice(0, 60)})`;
    if (!seen.has(t)) {
      seen.add(t);
      parts.push(t);
    }
  }
  return parts.slice(0, 4).join(', ');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const { vectors, problems } = loadVectors(opts.filter);
  if (problems.length) {
    console.error(`corpus problems:\n  ${problems.join('\n  ')}`);
    return 2;
  }
  const knownFailures = readIdList(path.join(HERE, 'known-failures.txt'));
  const inert = readIdList(path.join(HERE, 'browser-inert.txt'));
  const ids = new Set(vectors.map((v) => v.id));
  if (!opts.filter) {
    for (const [id] of [...knownFailures, ...inert]) {
      if (!ids.has(id)) {
        console.error(`list names unknown vector ${id}`);
        return 2;
      }
    }
  }
  const runSanitized = opts.only !== 'raw';
  const runRaw = opts.only !== 'sanitized';
  const bin = process.env.NBSANITIZE_BIN;
  if (runSanitized && !bin) {
    console.error('NBSANITIZE_BIN is not set (path to the nbsanitize binary)');
    return 2;
  }
  const extraArgs = (process.env.NBSANITIZE_ARGS || '').split(/\s+/).filter(Boolean);
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    console.error(`chromium not found at ${executablePath}`);
    return 2;
  }
  const concurrency = Number(process.env.XSS_CONCURRENCY || 2);

  const pages = new Map();
  const hits = [];
  const server = await startServer(pages, hits);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbx-chromium-'));
  let status = 0;
  try {
    const ctx = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run',
      ],
      timeout: 60000,
    });
    // One profile (fresh --user-data-dir) for both runs; a new page per rendering.
    await ctx.exposeBinding('__nbxReport', ({ page, frame }, how, msg) => {
      if (page && page.__nbxRecord) page.__nbxRecord(frame, how, msg);
    });
    await ctx.addInitScript(INIT_SCRIPT);

    if (runSanitized) {
      const contents = new Map();
      const outputs = new Map();
      const errors = [];
      await pool(vectors, 2, async (v) => {
        const r = await sanitize(bin, extraArgs, v);
        if (r.error) errors.push(`${v.id}: ${r.error}`);
        else contents.set(v.id, r.bytes);
        if (v.ext !== 'html') return;
        const o = await sanitizeOutput(bin, extraArgs, v);
        if (o.error) errors.push(`${v.id} (as a notebook output): ${o.error}`);
        else outputs.set(v.id, o.bytes);
      });
      const signals = await runVariant(ctx, origin, pages, hits, 'sanitized', vectors, contents, outputs, concurrency, opts.verbose);
      // Browser-inert vectors cannot run here; their trailing /pattern/ must not survive either.
      for (const v of vectors) {
        const m = (inert.get(v.id) || '').match(/\s\/(.+)\/([a-z]*)$/);
        if (!m) continue;
        for (const got of [contents.get(v.id), outputs.get(v.id)]) {
          const hit = got && got.toString('utf8').match(new RegExp(m[1], m[2]));
          if (hit) add(signals, v.id, { mode: 'static', how: 'inert-pattern', msg: hit[0] });
        }
      }
      const ran = vectors.filter((v) => signals.has(v.id));
      if (signals.has('unattributed')) {
        // something ran (or a /xss/ request came) that no rendering could be tied to
        ran.push({ id: 'unattributed', name: '(unattributed signal)' });
      }
      const unexpected = ran.filter((v) => !knownFailures.has(v.id));
      const known = ran.filter((v) => knownFailures.has(v.id));
      const fixed = [...knownFailures.keys()].filter((id) => ids.has(id) && !signals.has(id));
      if (opts.verbose) {
        for (const v of vectors) {
          console.log(`  sanitized ${v.id}: ${contents.has(v.id) ? `${contents.get(v.id).length} bytes` : 'error'}, ${signals.has(v.id) ? `RAN ${describe(signals.get(v.id))}` : 'nothing ran'}`);
        }
      }
      console.log(`sanitized run: ${vectors.length} vectors (${extraArgs.length ? `args: ${extraArgs.join(' ')}` : 'default args'}), ${ran.length} ran after sanitizing`);
      if (known.length) {
        console.log('\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!');
        console.log(`!!! KNOWN FAILURES (tests/browser/known-failures.txt): ${known.length} vector(s) STILL RUN after sanitizing`);
        for (const v of known) console.log(`!!!   ${v.name}: ${describe(signals.get(v.id))}`);
        console.log('!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n');
      }
      if (fixed.length) {
        console.log(`note: listed in known-failures.txt but no longer running (remove them): ${fixed.join(', ')}`);
      }
      if (errors.length) {
        console.log(`FAIL: nbsanitize failed on ${errors.length} vector(s):\n  ${errors.join('\n  ')}`);
        status = 1;
      }
      if (unexpected.length) {
        console.log(`FAIL: ${unexpected.length} vector(s) ran after sanitizing:`);
        for (const v of unexpected) console.log(`  ${v.name}: ${describe(signals.get(v.id))}`);
        status = 1;
      }
    }

    if (runRaw) {
      const contents = new Map(vectors.map((v) => [v.id, v.bytes]));
      const outputs = new Map(vectors.filter((v) => v.ext === 'html').map((v) => [v.id, v.bytes]));
      const signals = await runVariant(ctx, origin, pages, hits, 'raw', vectors, contents, outputs, concurrency, opts.verbose);
      const ran = (v) => (signals.get(v.id) || []).some((s) => s.how !== 'harness');
      const missed = vectors.filter((v) => !ran(v) && !inert.has(v.id));
      const inertRan = vectors.filter((v) => ran(v) && inert.has(v.id));
      const fired = vectors.filter(ran).length;
      console.log(`self-check (raw, unsanitized): ${fired}/${vectors.length} vectors ran; ${[...inert.keys()].filter((id) => ids.has(id)).length} listed browser-inert`);
      if (inertRan.length) {
        console.log(`note: listed browser-inert but ran unsanitized (remove them from browser-inert.txt): ${inertRan.map((v) => v.id).join(', ')}`);
      }
      if (opts.verbose) {
        for (const v of vectors) if (ran(v)) console.log(`  raw ${v.id}: ${describe(signals.get(v.id))}`);
      }
      for (const v of vectors) {
        const m = (inert.get(v.id) || '').match(/\s\/(.+)\/([a-z]*)$/);
        if (m && !new RegExp(m[1], m[2]).test(v.bytes.toString('utf8'))) {
          console.log(`FAIL: browser-inert.txt pattern for ${v.id} does not match the raw vector`);
          status = 1;
        }
      }
      if (missed.length) {
        console.log(`FAIL: the harness did not see ${missed.length} unsanitized vector(s) run (harness blind spot or vector broken):`);
        for (const v of missed) console.log(`  ${v.name}`);
        status = 1;
      }
    }
    await ctx.close();
  } finally {
    server.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
  console.log(`browser xss harness: ${status === 0 ? 'PASS' : 'FAIL'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return status;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`browser xss harness error: ${err && err.stack ? err.stack : err}`);
    process.exit(2);
  },
);
