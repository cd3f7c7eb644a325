// Lamina explorer: a single page over the node's own JSON-RPC, reached through the explorer
// server (/rpc/l2 for the engine's eth_ methods, /rpc/node/<i> for each rollup node's
// optimism_ and lamina_ methods). Routes live in the URL hash; every page sets
// document.body.dataset.page and .ready once drawn, so tests can wait for it.
'use strict';

const MESSAGE_PASSED = '0x02a52367d10742d8032712c1bb8e0144ff1ec5ffda1ed7d70bb05a2744955054';
const MESSAGE_PASSER = '0x4200000000000000000000000000000000000016';
const REFRESH_MS = 1000;

const state = { nodes: [], status: [], lag: [], timer: null, route: '', statusReady: Promise.resolve() };

// ---- RPC -------------------------------------------------------------------------------

let rpcId = 0;
async function post(path, body) {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return res.json();
}
async function call(path, method, params = []) {
  const out = await post(path, { jsonrpc: '2.0', id: ++rpcId, method, params });
  if (out.error) throw new Error(`${method}: ${out.error.message}`);
  return out.result;
}
async function batch(path, calls) {
  if (calls.length === 0) return [];
  const body = calls.map(([method, params]) => ({ jsonrpc: '2.0', id: ++rpcId, method, params }));
  const out = await post(path, body);
  const byId = new Map(out.map((r) => [r.id, r]));
  return body.map((c) => { const r = byId.get(c.id); return r && !r.error ? r.result : null; });
}
const l2 = (method, params) => call('/rpc/l2', method, params);
const node = (i, method, params) => call(`/rpc/node/${i}`, method, params);

// ---- formatting ---------------------------------------------------------------------------

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const num = (h) => (h == null ? null : Number(BigInt(h)));
const big = (h) => (h == null ? 0n : BigInt(h));
const hex = (n) => '0x' + BigInt(n).toString(16);
const short = (h) => (h && h.length > 18 ? `${h.slice(0, 10)}…${h.slice(-6)}` : h ?? '');
function eth(wei) {
  const w = BigInt(wei);
  const whole = w / 10n ** 18n;
  const frac = (w % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '');
  return `${whole}${frac ? '.' + frac : ''} ETH`;
}
function gwei(wei) { return `${(Number(BigInt(wei)) / 1e9).toLocaleString(undefined, { maximumFractionDigits: 6 })} gwei`; }
function ago(ts) {
  const s = Math.max(0, Math.floor(Date.now() / 1000) - ts);
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.floor(s / 60)}m ago` : `${Math.floor(s / 3600)}h ago`;
}
const blockLink = (n) => `<a href="#/block/${esc(n)}">${esc(n)}</a>`;
const txLink = (h, full) => `<a class="mono" href="#/tx/${esc(h)}">${esc(full ? h : short(h))}</a>`;
const addrLink = (a) => (a ? `<a class="mono" href="#/address/${esc(a)}">${esc(a)}</a>` : '<span class="muted">contract creation</span>');
const badge = (s) => `<span class="badge ${esc(s)}" data-status="${esc(s)}">${esc(s)}</span>`;

// The status of L2 block n as the first node sees it.
function statusOf(n) {
  const s = state.status[0];
  if (n == null || !s) return 'pending';
  if (n <= s.finalized_l2.number) return 'finalized';
  if (n <= s.safe_l2.number) return 'safe';
  if (n <= s.unsafe_l2.number) return 'unsafe';
  return 'pending';
}
function steps(status) {
  const order = ['unsafe', 'safe', 'finalized'];
  const reached = order.indexOf(status);
  return `<div class="steps" id="tx-steps">${order.map((s, i) => `<span class="${i <= reached ? 'done' : ''}">${s}</span>`).join('→')}</div>`;
}

// ---- plots (inline SVG) ----------------------------------------------------------------------

function plot(title, points, opts = {}) {
  const w = 360, h = 150, pad = 28;
  if (points.length === 0) return `<section class="plot"><h2>${esc(title)}</h2><p class="muted">No data yet.</p></section>`;
  const max = Math.max(...points.map((p) => p.y), opts.minMax ?? 0) || 1;
  const n = points.length;
  const x = (i) => pad + (n === 1 ? 0 : (i * (w - pad - 6)) / (n - 1));
  const y = (v) => h - 16 - (v / max) * (h - 30);
  let body;
  if (opts.bars) {
    const bw = Math.max(1, (w - pad - 6) / n - 1);
    body = points.map((p, i) => `<rect class="bar" x="${pad + i * ((w - pad - 6) / n)}" y="${y(p.y)}" width="${bw}" height="${h - 16 - y(p.y)}"><title>${esc(p.label)}: ${esc(p.y)}</title></rect>`).join('');
  } else {
    body = `<polyline class="line" points="${points.map((p, i) => `${x(i)},${y(p.y)}`).join(' ')}"/>`;
  }
  const fmt = opts.fmt ?? ((v) => v.toLocaleString());
  return `<section class="plot" data-plot="${esc(opts.id ?? '')}"><h2>${esc(title)}</h2>
    <svg viewBox="0 0 ${w} ${h}" preserveAspectRatio="none" role="img" aria-label="${esc(title)}">
      <line class="axis" x1="${pad}" y1="${h - 16}" x2="${w}" y2="${h - 16}"/>
      <line class="axis" x1="${pad}" y1="8" x2="${pad}" y2="${h - 16}"/>
      <text x="2" y="14">${esc(fmt(max))}</text><text x="2" y="${h - 18}">0</text>
      <text x="${pad}" y="${h - 3}">${esc(points[0].label)}</text>
      <text x="${w - 60}" y="${h - 3}">${esc(points[n - 1].label)}</text>
      ${body}
    </svg><p class="muted">${esc(opts.note ?? '')}</p></section>`;
}

// ---- status polling --------------------------------------------------------------------------

async function refreshStatus() {
  const all = await Promise.all(state.nodes.map((_, i) => node(i, 'optimism_syncStatus').catch(() => null)));
  state.status = all;
  const s = all[0];
  if (s) {
    state.lag.push({ t: Math.floor(Date.now() / 1000), y: s.unsafe_l2.number - s.safe_l2.number });
    if (state.lag.length > 120) state.lag.shift();
  }
  return all;
}

function headsTable() {
  const s0 = state.status[0];
  const ref = (r) => (r ? `${blockLink(r.number)} <span class="mono muted">${esc(short(r.hash))}</span>` : '—');
  const l1ref = (r) => (r ? `${esc(r.number)} <span class="mono muted">${esc(short(r.hash))}</span>` : '—');
  const rows = state.nodes.map((name, i) => {
    const s = state.status[i];
    if (!s) return `<tr><td>${esc(name)}</td><td colspan="3" class="error">unreachable</td></tr>`;
    return `<tr data-node="${esc(name)}"><td>${esc(name)}</td><td data-head="unsafe">${ref(s.unsafe_l2)}</td><td data-head="safe">${ref(s.safe_l2)}</td><td data-head="finalized">${ref(s.finalized_l2)}</td></tr>`;
  });
  const l1 = s0 ? `<tr data-node="l1"><td>L1</td><td>${l1ref(s0.head_l1)}</td><td>${l1ref(s0.safe_l1)}</td><td>${l1ref(s0.finalized_l1)}</td></tr>` : '';
  return `<section id="heads"><h2>Heads</h2><table><thead><tr><th></th><th>unsafe / head</th><th>safe</th><th>finalized</th></tr></thead><tbody>${rows.join('')}${l1}</tbody></table></section>`;
}

// ---- pages ----------------------------------------------------------------------------------

async function home() {
  await state.statusReady;
  const s = state.status[0];
  const head = s ? s.unsafe_l2.number : num(await l2('eth_blockNumber'));
  const from = Math.max(0, head - 39);
  const numbers = [];
  for (let n = head; n >= from; n--) numbers.push(n);
  const [blocks, da] = await Promise.all([
    batch('/rpc/l2', numbers.map((n) => ['eth_getBlockByNumber', [hex(n), false]])),
    node(0, 'lamina_daHistory', [hex(20)]).catch(() => []),
  ]);
  const rows = blocks.slice(0, 12).filter(Boolean).map((b) => {
    const n = num(b.number);
    return `<tr><td>${blockLink(n)}</td><td class="mono">${esc(short(b.hash))}</td><td>${b.transactions.length}</td><td>${num(b.gasUsed).toLocaleString()}</td><td>${ago(num(b.timestamp))}</td><td>${badge(statusOf(n))}</td></tr>`;
  });
  const gas = blocks.filter(Boolean).reverse().map((b) => ({ label: `#${num(b.number)}`, y: num(b.gasUsed) }));
  const withTxs = da.filter((d) => d.l2Txs > 0);
  const bytesPerTx = withTxs.map((d) => ({ label: `L1 #${d.l1Block.number}`, y: Math.round((d.calldataBytes + d.blobs * 131072) / d.l2Txs) }));
  const costPerTx = withTxs.map((d) => ({ label: `L1 #${d.l1Block.number}`, y: Number(BigInt(d.feeWei) / BigInt(d.l2Txs)) / 1e9 }));
  const lag = state.lag.map((p) => ({ label: new Date(p.t * 1000).toLocaleTimeString(), y: p.y }));
  return `<h1>Chain</h1>${headsTable()}
    <div class="grid">
      ${plot('Gas used per block', gas, { bars: true, id: 'gas', note: `blocks ${from}–${head}` })}
      ${plot('Safe head lag behind unsafe (blocks)', lag, { id: 'lag', minMax: 1, note: 'sampled every second while this page is open' })}
      ${plot('L1 bytes per L2 tx', bytesPerTx, { id: 'bytes', note: 'batcher data posted per step of the safe head, over the user txs it made safe' })}
      ${plot('L1 cost per L2 tx (gwei)', costPerTx, { id: 'cost', fmt: (v) => v.toLocaleString(undefined, { maximumFractionDigits: 2 }), note: 'batcher fees (gas and blob gas) per user tx made safe' })}
    </div>
    <section><h2>Latest blocks</h2><table id="latest"><thead><tr><th>block</th><th>hash</th><th>txs</th><th>gas used</th><th>age</th><th>status</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

async function blockPage(id) {
  const b = /^0x[0-9a-fA-F]{64}$/.test(id) ? await l2('eth_getBlockByHash', [id, true]) : await l2('eth_getBlockByNumber', [hex(id), true]);
  if (!b) return notFound(`block ${id}`);
  const n = num(b.number);
  const [d, deposits] = await Promise.all([
    node(0, 'lamina_blockDerivation', [hex(n)]).catch((e) => ({ error: e.message })),
    node(0, 'lamina_deposits', [hex(n)]).catch(() => []),
    state.statusReady,
  ]);
  const status = statusOf(n);
  let derivation;
  if (d.error) {
    derivation = `<p class="error">${esc(d.error)}</p>`;
  } else {
    const batchPart = d.batch
      ? `<dl>
          <dt>Batch</dt><dd>${esc(d.batch.kind)} batch of ${d.batch.blocks} block${d.batch.blocks === 1 ? '' : 's'}</dd>
          <dt>Channel</dt><dd class="mono">${esc(d.batch.channelId)}</dd>
          <dt>Completed by L1 tx</dt><dd class="mono" id="batch-tx">${esc(d.batch.frames[d.batch.frames.length - 1].txHash)}</dd>
          <dt>Data availability</dt><dd id="batch-da">${esc([...new Set(d.batch.frames.map((f) => f.da))].join(', '))}</dd>
        </dl>
        <table id="frames"><thead><tr><th>frame</th><th>L1 tx</th><th>L1 block</th><th>bytes</th><th>DA</th><th>last</th></tr></thead><tbody>
        ${d.batch.frames.map((f) => `<tr><td>${f.frameNumber}</td><td class="mono">${esc(f.txHash)}</td><td>${esc(f.l1Block.number)}</td><td>${f.bytes.toLocaleString()}</td><td>${esc(f.da)}</td><td>${f.isLast ? 'yes' : ''}</td></tr>`).join('')}
        </tbody></table>`
      : `<p class="muted" id="batch-none">${d.safeAt
        ? 'Derived without a batch (the sequencing window ran out): deposits only.'
        : status === 'unsafe' || status === 'pending'
          ? 'Not safe yet: no batch on L1 carries it so far.'
          : n === 0 ? 'The genesis block: safe by definition.' : 'Safe before this node kept a record of where each block became safe.'}</p>`;
    derivation = `<dl>
        <dt>L1 origin (epoch)</dt><dd>${esc(d.l1Origin.number)} <span class="mono muted">${esc(d.l1Origin.hash)}</span></dd>
        <dt>Position in epoch</dt><dd>${d.seqNum}</dd>
        <dt>Safe at L1 block</dt><dd id="safe-at">${d.safeAt ? `${esc(d.safeAt.number)} <span class="mono muted">${esc(d.safeAt.hash)}</span>` : '—'}</dd>
      </dl>${batchPart}`;
  }
  const depRows = deposits.map((x) => `<tr><td>${txLink(x.l2TxHash)}</td><td class="mono" data-l1tx="${esc(x.l1TxHash)}">${esc(x.l1TxHash)}</td><td>${esc(x.logIndex)}</td><td>${eth(x.mint)}</td></tr>`);
  const txRows = b.transactions.map((t) => `<tr><td>${txLink(t.hash)}</td><td>${esc(num(t.type) === 126 ? 'deposit' : 'type ' + num(t.type))}</td><td>${addrLink(t.from)}</td><td>${addrLink(t.to)}</td><td>${eth(t.value)}</td></tr>`);
  return `<h1>Block ${n} ${badge(status)}</h1>
    <section><dl>
      <dt>Hash</dt><dd class="mono">${esc(b.hash)}</dd>
      <dt>Parent</dt><dd class="mono">${n > 0 ? `<a href="#/block/${n - 1}">${esc(b.parentHash)}</a>` : esc(b.parentHash)}</dd>
      <dt>Time</dt><dd>${new Date(num(b.timestamp) * 1000).toISOString()} (${ago(num(b.timestamp))})</dd>
      <dt>Gas used / limit</dt><dd>${num(b.gasUsed).toLocaleString()} / ${num(b.gasLimit).toLocaleString()}</dd>
      <dt>Base fee</dt><dd>${gwei(b.baseFeePerGas ?? 0)}</dd>
      <dt>State root</dt><dd class="mono">${esc(b.stateRoot)}</dd>
    </dl></section>
    <section id="derivation"><h2>Derivation</h2>${derivation}</section>
    ${deposits.length ? `<section id="deposits"><h2>Deposits</h2><table><thead><tr><th>L2 tx</th><th>L1 tx</th><th>log</th><th>minted</th></tr></thead><tbody>${depRows.join('')}</tbody></table></section>` : ''}
    <section><h2>Transactions (${b.transactions.length})</h2><table id="txs"><thead><tr><th>hash</th><th>kind</th><th>from</th><th>to</th><th>value</th></tr></thead><tbody>${txRows.join('')}</tbody></table></section>`;
}

function withdrawalsIn(receipt) {
  return receipt.logs
    .filter((l) => l.address.toLowerCase() === MESSAGE_PASSER && l.topics[0] === MESSAGE_PASSED)
    // data: value, gasLimit, offset of data, withdrawalHash, then data.
    .map((l) => ({ hash: '0x' + l.data.slice(2 + 64 * 3, 2 + 64 * 4), target: '0x' + l.topics[3].slice(26), value: '0x' + l.data.slice(2, 66) }));
}

async function txPage(hash) {
  const [tx, receipt] = await batch('/rpc/l2', [['eth_getTransactionByHash', [hash]], ['eth_getTransactionReceipt', [hash]]]);
  if (!tx) return notFound(`transaction ${hash}`);
  await state.statusReady;
  const n = num(tx.blockNumber);
  const status = statusOf(n);
  // A tx on its way to L1 is worth watching closely.
  state.fast = status === 'pending' || status === 'unsafe';
  const isDeposit = num(tx.type) === 126;
  let fees = '';
  if (receipt && !isDeposit) {
    const l2fee = big(receipt.gasUsed) * big(receipt.effectiveGasPrice);
    const l1fee = big(receipt.l1Fee);
    const opfee = big(receipt.operatorFeeConstant) + (big(receipt.operatorFeeScalar) * big(receipt.gasUsed)) / 1000000n;
    fees = `<section id="fees"><h2>Fee</h2><dl>
      <dt>L2 execution fee</dt><dd id="fee-l2">${eth(l2fee)} <span class="muted">(${num(receipt.gasUsed).toLocaleString()} gas × ${gwei(receipt.effectiveGasPrice)})</span></dd>
      <dt>L1 data fee</dt><dd id="fee-l1">${eth(l1fee)} <span class="muted">(${num(receipt.l1GasUsed ?? '0x0').toLocaleString()} L1 gas at ${gwei(receipt.l1GasPrice ?? '0x0')})</span></dd>
      ${opfee > 0n ? `<dt>Operator fee</dt><dd>${eth(opfee)}</dd>` : ''}
      <dt>Total</dt><dd id="fee-total">${eth(l2fee + l1fee + opfee)}</dd>
    </dl></section>`;
  }
  let deposit = '';
  if (isDeposit && n != null) {
    const all = await node(0, 'lamina_deposits', [hex(n)]).catch(() => []);
    const mine = all.find((x) => x.l2TxHash.toLowerCase() === hash.toLowerCase());
    deposit = `<section id="deposit"><h2>Deposit</h2>${mine
      ? `<dl><dt>L1 tx</dt><dd class="mono" id="deposit-l1-tx">${esc(mine.l1TxHash)}</dd><dt>L1 block</dt><dd>${esc(mine.l1Block.number)}</dd><dt>Log index</dt><dd>${esc(mine.logIndex)}</dd><dt>Minted</dt><dd>${eth(mine.mint)}</dd></dl>`
      : '<p class="muted">The L1-info deposit of its block (made by the rollup node, not by an L1 tx).</p>'}</section>`;
  }
  let withdrawals = '';
  const found = receipt ? withdrawalsIn(receipt) : [];
  if (found.length) {
    const views = await Promise.all(found.map((w) => node(0, 'lamina_withdrawal', [w.hash, hex(n)]).catch((e) => ({ error: e.message }))));
    withdrawals = `<section id="withdrawals"><h2>Withdrawals</h2><table><thead><tr><th>withdrawal hash</th><th>to (L1)</th><th>status</th><th>proven against</th></tr></thead><tbody>${found.map((w, i) => {
      const v = views[i];
      const proven = v.proven ? `output #${v.proven.l2OutputIndex} (L2 block ${blockLink(v.proven.l2BlockNumber)}) <span class="mono muted">${esc(short(v.proven.outputRoot))}</span>` : '—';
      const st = v.error ? `<span class="error">${esc(v.error)}</span>` : `<span class="withdrawal-status" data-status="${esc(v.status)}">${esc(v.status)}</span>${v.secondsLeft ? ` <span class="muted">(${v.secondsLeft} s left)</span>` : ''}`;
      return `<tr><td class="mono">${esc(w.hash)}</td><td>${addrLink(w.target)}</td><td>${st}</td><td>${proven}</td></tr>`;
    }).join('')}</tbody></table></section>`;
  }
  const ok = receipt ? (num(receipt.status) === 1 ? 'success' : '<span class="error">reverted</span>') : 'pending';
  return `<h1>Transaction</h1>
    <section><dl>
      <dt>Hash</dt><dd class="mono">${esc(tx.hash)}</dd>
      <dt>Status</dt><dd><span id="tx-status" data-status="${esc(status)}">${badge(status)}</span> ${steps(status)}</dd>
      <dt>Result</dt><dd>${ok}</dd>
      <dt>Block</dt><dd>${n == null ? 'pending' : blockLink(n)}</dd>
      <dt>From</dt><dd>${addrLink(tx.from)}</dd>
      <dt>To</dt><dd>${addrLink(tx.to)}</dd>
      <dt>Value</dt><dd>${eth(tx.value)}</dd>
      <dt>Kind</dt><dd>${isDeposit ? 'deposit (from L1)' : `type ${num(tx.type)}, nonce ${num(tx.nonce)}`}</dd>
    </dl></section>${fees}${deposit}${withdrawals}`;
}

async function addressPage(a) {
  const [balance, nonce, code] = await batch('/rpc/l2', [['eth_getBalance', [a, 'latest']], ['eth_getTransactionCount', [a, 'latest']], ['eth_getCode', [a, 'latest']]]);
  const recent = await node(0, 'lamina_addressTransactions', [a, hex(25)]).catch(() => ({ txs: [], scannedFrom: 0, scannedTo: 0 }));
  const rows = recent.txs.map((t) => `<tr><td>${txLink(t.hash)}</td><td>${blockLink(t.blockNumber)}</td><td>${addrLink(t.from)}</td><td>${addrLink(t.to)}</td><td>${eth(t.value)}</td></tr>`);
  return `<h1>Address</h1><section><dl>
      <dt>Address</dt><dd class="mono" id="address">${esc(a)}</dd>
      <dt>Balance</dt><dd id="balance">${eth(balance ?? '0x0')}</dd>
      <dt>Nonce</dt><dd>${num(nonce ?? '0x0')}</dd>
      <dt>Code</dt><dd>${code && code !== '0x' ? `${(code.length - 2) / 2} bytes (a contract)` : 'none'}</dd>
    </dl></section>
    <section><h2>Recent transactions</h2><p class="muted">Blocks ${recent.scannedFrom}–${recent.scannedTo} scanned.</p>
    <table id="address-txs"><thead><tr><th>hash</th><th>block</th><th>from</th><th>to</th><th>value</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

async function outputsPage() {
  const o = await node(0, 'lamina_outputs', [hex(20)]);
  const rows = o.outputs.map((x) => `<tr><td>${x.index}</td><td>${blockLink(x.l2BlockNumber)}</td><td class="mono">${esc(x.outputRoot)}</td><td>${ago(x.timestamp)}</td><td>${x.matches == null ? '<span class="muted">block not here yet</span>' : x.matches ? badge('safe').replace('>safe<', '>matches<') : badge('bad').replace('>bad<', '>differs<')}</td></tr>`);
  const dels = o.deletions.map((d) => `<tr><td>${d.newNextOutputIndex}–${d.prevNextOutputIndex - 1}</td><td class="mono">${esc(d.l1TxHash ?? '')}</td><td>${esc(d.l1BlockNumber ?? '')}</td></tr>`);
  return `<h1>Outputs</h1><section><dl>
      <dt>L2OutputOracle</dt><dd class="mono">${esc(o.oracle)}</dd>
      <dt>Next output index</dt><dd>${o.nextOutputIndex}</dd>
      <dt>Finalization period</dt><dd>${o.finalizationPeriod} s</dd>
    </dl></section>
    <section><h2>Proposed (newest first)</h2><table id="outputs"><thead><tr><th>index</th><th>L2 block</th><th>output root</th><th>proposed</th><th>this node</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>
    <section><h2>Deleted by the challenger</h2>${dels.length ? `<table id="deletions"><thead><tr><th>indexes</th><th>L1 tx</th><th>L1 block</th></tr></thead><tbody>${dels.join('')}</tbody></table>` : '<p class="muted" id="deletions">None.</p>'}</section>`;
}

function notFound(what) {
  return `<h1>Not found</h1><p id="not-found">No ${esc(what)} on this chain.</p>`;
}

// ---- search ----------------------------------------------------------------------------------

async function search(q) {
  q = q.trim();
  if (/^\d+$/.test(q)) return `#/block/${q}`;
  if (/^0x[0-9a-fA-F]{40}$/.test(q)) return `#/address/${q}`;
  if (/^0x[0-9a-fA-F]{64}$/.test(q)) {
    const [b, t] = await batch('/rpc/l2', [['eth_getBlockByHash', [q, false]], ['eth_getTransactionByHash', [q]]]);
    if (b) return `#/block/${q}`;
    if (t) return `#/tx/${q}`;
    return `#/notfound/${q}`;
  }
  return `#/notfound/${encodeURIComponent(q)}`;
}

// ---- router ----------------------------------------------------------------------------------

async function render() {
  const route = location.hash.replace(/^#/, '') || '/';
  const [, page, arg] = route.split('/');
  const main = document.getElementById('main');
  document.body.dataset.ready = '';
  document.body.dataset.page = page || 'home';
  state.fast = false;
  const started = performance.now();
  try {
    // Pages fetch their own data meanwhile, and wait for the heads only to draw statuses.
    state.statusReady = refreshStatus();
    let html;
    switch (page) {
      case '': case undefined: html = await home(); break;
      case 'block': html = await blockPage(arg); break;
      case 'tx': html = await txPage(arg); break;
      case 'address': html = await addressPage(arg); break;
      case 'outputs': html = await outputsPage(); break;
      case 'notfound': html = notFound(decodeURIComponent(arg ?? '')); break;
      default: html = notFound(`page ${route}`);
    }
    await state.statusReady;
    if (location.hash.replace(/^#/, '') !== route && !(route === '/' && location.hash === '')) return;
    main.innerHTML = html;
  } catch (e) {
    main.innerHTML = `<h1>Error</h1><p class="error">${esc(e.message)}</p>`;
  }
  const ms = Math.round(performance.now() - started);
  document.getElementById('foot').textContent = `${state.nodes.join(', ')} · drawn in ${ms} ms · Lamina ${state.version ?? ''}`;
  document.body.dataset.loadMs = String(ms);
  document.body.dataset.ready = '1';
}

// How many times slower than the home page a page refreshes: a block or tx page changes
// little once drawn, outputs change every few minutes.
function slowdown() {
  if (location.hash.startsWith('#/outputs')) return 5;
  if (location.hash.startsWith('#/block') || location.hash.startsWith('#/tx')) return 2;
  return 1;
}

// Pages that change with the chain redraw on a timer; others stay as drawn.
function schedule() {
  clearTimeout(state.timer);
  state.timer = setTimeout(async () => {
    const page = (location.hash.replace(/^#/, '') || '/').split('/')[1];
    if (['', undefined, 'tx', 'block', 'outputs'].includes(page) && !document.hidden) await render();
    else await refreshStatus().catch(() => {});
    schedule();
  }, state.fast ? REFRESH_MS / 4 : REFRESH_MS * slowdown());
}

async function start() {
  const cfg = await (await fetch('/config.json')).json();
  state.nodes = cfg.nodes;
  state.version = cfg.version;
  document.getElementById('search').addEventListener('submit', async (e) => {
    e.preventDefault();
    location.hash = await search(document.getElementById('q').value);
  });
  window.addEventListener('hashchange', () => { render().then(schedule); });
  await render();
  schedule();
}

start();
