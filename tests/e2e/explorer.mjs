// The explorer in a real browser: Debian's chromium driven by playwright-core (browser
// downloads do not work here). Run by bin/lamina/tests/it/explorer.rs against `lamina dev`.
//
//   node explorer.mjs watch <explorer url> <seconds>
//     Starts the browser on the home page, prints `ready`, reads a tx hash from stdin, opens
//     the tx's page at once and records each status it shows until `safe` (or time is up).
//   node explorer.mjs pages <explorer url> <spec.json> <screenshot dir>
//     Visits each page of the spec (a list of {name, route, read: {key: [selector, attr?]}, search?}),
//     times it from navigation to drawn, reads the asked texts, takes a screenshot.
// Prints one JSON object; page errors and console errors are collected and reported in it.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [mode, base, arg, extra] = process.argv.slice(2);

async function launch() {
  const profile = mkdtempSync(join(tmpdir(), 'lamina-chromium-'));
  // A fresh profile each run; headless, and none of chromium's own network traffic (this
  // machine's network is closed, and refused connections would only slow it down).
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = browser.pages()[0] ?? await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  return { browser, page, errors };
}

// Navigates to `route` and waits until the page says it is drawn; returns the milliseconds.
async function open(page, route) {
  const started = Date.now();
  await page.goto('about:blank');
  await page.goto(new URL(`/#${route}`, base).href);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
  return Date.now() - started;
}

async function read(page, spec) {
  const out = {};
  for (const [key, [selector, attr]] of Object.entries(spec ?? {})) {
    const el = await page.$(selector);
    out[key] = el ? (attr ? await el.getAttribute(attr) : (await el.textContent()).trim()) : null;
  }
  return out;
}

async function watch() {
  const { browser, page, errors } = await launch();
  const seen = [];
  await open(page, '/');
  console.log('ready');
  const hash = await new Promise((resolve) => {
    let buf = '';
    process.stdin.on('data', (d) => { buf += d; if (buf.includes('\n')) resolve(buf.trim()); });
  });
  process.stdin.pause();
  const deadline = Date.now() + Number(arg) * 1000;
  await open(page, `/tx/${hash}`);
  while (Date.now() < deadline) {
    const s = await page.$eval('#tx-status', (e) => e.dataset.status).catch(() => null);
    if (s && seen[seen.length - 1] !== s) seen.push(s);
    if (s === 'safe' || s === 'finalized') break;
    await page.waitForTimeout(100);
  }
  await browser.close();
  return { statuses: seen, errors };
}

async function pages() {
  const spec = JSON.parse(readFileSync(arg, 'utf8'));
  mkdirSync(extra, { recursive: true });
  const { browser, page, errors } = await launch();
  const results = [];
  for (const p of spec) {
    let ms;
    if (p.search) {
      await open(page, '/');
      const started = Date.now();
      await page.fill('#q', p.search);
      await page.evaluate(() => { document.body.dataset.ready = ''; });
      await page.click('#search button');
      await page.waitForFunction((want) => location.hash.startsWith(want), p.expectHash, { timeout: 15000 });
      await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
      ms = Date.now() - started;
    } else {
      ms = await open(page, p.route);
    }
    const texts = await read(page, p.read);
    const shot = join(extra, `${p.name}.png`);
    if (p.screenshot) await page.screenshot({ path: shot, fullPage: true });
    results.push({ name: p.name, ms, drawMs: Number(await page.evaluate(() => document.body.dataset.loadMs)), hash: await page.evaluate(() => location.hash), page: await page.evaluate(() => document.body.dataset.page), texts, screenshot: p.screenshot ? shot : null });
  }
  await browser.close();
  return { results, errors };
}

const out = mode === 'watch' ? await watch() : await pages();
console.log(JSON.stringify(out));
