// Deposits and withdrawals through a running `lamina dev`, driven by viem's op-stack actions
// exactly as an app would use them — nothing but a chain definition is Lamina-specific:
//   1. deposit ETH (L1 → L2), a deposit whose calldata calls a contract on L2, and one whose
//      call reverts there (the ETH is minted all the same);
//   2. withdraw ETH (L2 → L1): initiate, wait for the output, prove, wait out the
//      finalization period, finalize — checking the status viem reports at every stage;
//   3. a second finalization of the same withdrawal is refused.
// Usage: node tests/e2e/bridge.mjs <l1-url> <l2-url> <addresses.json> <DevToken.json> <key>
// Prints one JSON object of what it saw (with latencies in ms); exits non-zero on failure.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  createPublicClient, createWalletClient, defineChain, encodeFunctionData, http, parseAbi,
  parseEther,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  chainConfig, getL2TransactionHashes, publicActionsL1, publicActionsL2, walletActionsL1,
  walletActionsL2,
} from 'viem/op-stack';

const [l1Url, l2Url, addressesPath, tokenPath, key] = process.argv.slice(2);
const addresses = JSON.parse(readFileSync(addressesPath, 'utf8'));
const token = JSON.parse(readFileSync(tokenPath, 'utf8'));
const account = privateKeyToAccount(key);

const probe = createPublicClient({ transport: http(l1Url) });
const l1Id = await probe.getChainId();
const l2Id = await createPublicClient({ transport: http(l2Url) }).getChainId();
const l1 = defineChain({
  id: l1Id,
  name: 'lamina-l1',
  nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: [l1Url] } },
  contracts: { multicall3: { address: addresses.Multicall3 } },
});
const l2 = defineChain({
  ...chainConfig,
  id: l2Id,
  name: 'lamina-dev',
  nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: [l2Url] } },
  sourceId: l1Id,
  contracts: {
    ...chainConfig.contracts,
    portal: { [l1Id]: { address: addresses.OptimismPortal } },
    l2OutputOracle: { [l1Id]: { address: addresses.L2OutputOracle } },
  },
});
// Poll quickly: dev blocks come every second or two.
const pollingInterval = 250;
const publicL1 = createPublicClient({ chain: l1, transport: http(), pollingInterval }).extend(publicActionsL1());
const walletL1 = createWalletClient({ account, chain: l1, transport: http(), pollingInterval }).extend(walletActionsL1());
const publicL2 = createPublicClient({ chain: l2, transport: http(), pollingInterval }).extend(publicActionsL2());
const walletL2 = createWalletClient({ account, chain: l2, transport: http(), pollingInterval }).extend(walletActionsL2());
const seen = {};

/// Sends a deposit built on L2, waits for it on both chains; returns the L2 receipt.
async function deposit(request, label) {
  const args = await publicL2.buildDepositTransaction({ account, ...request });
  const hash = await walletL1.depositTransaction(args);
  const l1Receipt = await publicL1.waitForTransactionReceipt({ hash });
  assert.equal(l1Receipt.status, 'success', `${label}: L1 tx`);
  const included = Date.now();
  const [l2Hash] = getL2TransactionHashes(l1Receipt);
  const l2Receipt = await publicL2.waitForTransactionReceipt({ hash: l2Hash, timeout: 60_000 });
  seen[`${label}LatencyMs`] = Date.now() - included;
  const tx = await publicL2.getTransaction({ hash: l2Hash });
  assert.equal(tx.type, 'deposit', `${label}: a deposit tx on L2`);
  assert.equal(tx.from.toLowerCase(), account.address.toLowerCase(), 'an EOA is not aliased');
  return l2Receipt;
}

// 1a. ETH: the L2 balance grows by the minted amount.
const to = '0x000000000000000000000000000000000000bEEF';
const before = await publicL2.getBalance({ address: to });
const ethReceipt = await deposit({ mint: parseEther('1'), to }, 'deposit');
assert.equal(ethReceipt.status, 'success');
assert.equal(await publicL2.getBalance({ address: to }), before + parseEther('1'));

// 1b. Calldata: a deposit from L1 approves a spender on an L2 token.
const tokenAbi = parseAbi([
  'function approve(address spender, uint256 value) returns (bool)',
  'function allowance(address owner, address spender) view returns (uint256)',
]);
const deployHash = await walletL2.deployContract({
  abi: token.abi, bytecode: token.bytecode, args: [1000n],
});
const tokenAddress = (await publicL2.waitForTransactionReceipt({ hash: deployHash })).contractAddress;
const spender = '0x000000000000000000000000000000000000cafE';
const callReceipt = await deposit({
  to: tokenAddress,
  gas: 100_000n,
  data: encodeFunctionData({ abi: tokenAbi, functionName: 'approve', args: [spender, 77n] }),
}, 'depositCall');
assert.equal(callReceipt.status, 'success');
const allowance = await publicL2.readContract({
  address: tokenAddress, abi: tokenAbi, functionName: 'allowance', args: [account.address, spender],
});
assert.equal(allowance, 77n, 'the deposit ran its calldata on L2');

// 1c. A deposit whose call reverts on L2 still mints its ETH (to the depositor).
const mine = await publicL2.getBalance({ address: account.address });
const failed = await deposit({
  mint: parseEther('0.3'),
  value: 0n,
  to: tokenAddress,
  gas: 100_000n,
  data: encodeFunctionData({
    abi: parseAbi(['function transfer(address to, uint256 value) returns (bool)']),
    functionName: 'transfer',
    args: [spender, 10n ** 30n],
  }),
}, 'depositReverted');
assert.equal(failed.status, 'reverted', 'the call failed on L2');
assert.equal(await publicL2.getBalance({ address: account.address }), mine + parseEther('0.3'));

// 2. Withdraw 0.5 ETH back to L1. viem's waitToProve reads the oracle's latest output, so it
// needs one to exist: a fresh chain has its first after one output interval.
for (let i = 0; ; i++) {
  try {
    await publicL1.getL2Output({ l2BlockNumber: 0n, targetChain: l2 });
    break;
  } catch (e) {
    if (i >= 240 || !/has not been proposed/.test(String(e))) throw e;
    await new Promise((r) => setTimeout(r, pollingInterval));
  }
}
const value = parseEther('0.5');
const started = Date.now();
// The L1 gas for the withdrawal's call, given rather than estimated: buildInitiateWithdrawal
// estimates from the zero address, which holds no ETH on a fresh L1 (geth and anvil refuse such
// an estimate as well; on mainnet the zero address happens to be rich).
const withdrawHash = await walletL2.initiateWithdrawal({
  request: { to: account.address, value, gas: 100_000n },
});
const withdrawReceipt = await publicL2.waitForTransactionReceipt({ hash: withdrawHash });
assert.equal(withdrawReceipt.status, 'success');
const status = () => publicL1.getWithdrawalStatus({ receipt: withdrawReceipt, targetChain: l2 });
seen.statuses = [await status()];
const { output, withdrawal } = await publicL1.waitToProve({
  receipt: withdrawReceipt, targetChain: l2, pollingInterval,
});
seen.statuses.push(await status());
seen.readyToProveMs = Date.now() - started;
const proveArgs = await publicL2.buildProveWithdrawal({ account, output, withdrawal });
const proveHash = await walletL1.proveWithdrawal(proveArgs);
assert.equal((await publicL1.waitForTransactionReceipt({ hash: proveHash })).status, 'success');
seen.provenMs = Date.now() - started;
seen.statuses.push(await status());
await publicL1.waitToFinalize({ withdrawalHash: withdrawal.withdrawalHash, targetChain: l2 });
// waitToFinalize counts wall-clock seconds; the L1 block that runs the finalization must be
// past the period too, which the next block's timestamp is.
let readyStatus = await status();
for (let i = 0; readyStatus !== 'ready-to-finalize' && i < 40; i++) {
  await new Promise((r) => setTimeout(r, pollingInterval));
  readyStatus = await status();
}
seen.statuses.push(readyStatus);
seen.readyToFinalizeMs = Date.now() - started;
const l1Before = await publicL1.getBalance({ address: account.address });
let finalizeHash;
for (let i = 0; ; i++) {
  try {
    finalizeHash = await walletL1.finalizeWithdrawal({ targetChain: l2, withdrawal });
    break;
  } catch (e) {
    // The period is measured against the next L1 block's time, which may lag the clock.
    if (i >= 20 || !/finalization period has not elapsed/.test(String(e))) throw e;
    await new Promise((r) => setTimeout(r, 500));
  }
}
const finalized = await publicL1.waitForTransactionReceipt({ hash: finalizeHash });
assert.equal(finalized.status, 'success');
seen.statuses.push(await status());
seen.withdrawalMs = Date.now() - started;
const paid = finalized.gasUsed * finalized.effectiveGasPrice;
assert.equal(await publicL1.getBalance({ address: account.address }), l1Before + value - paid);

// 3. The same withdrawal again: refused, nothing moves.
await assert.rejects(
  walletL1.finalizeWithdrawal({ targetChain: l2, withdrawal }),
  /already been finalized/,
);
console.log(JSON.stringify(seen));
