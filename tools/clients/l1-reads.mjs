// viem's op-stack L1 reads against a chain `lamina deploy` put on an L1 (`lamina l1` or anvil):
// getL2Output, getWithdrawalStatus and getTimeToFinalize, before and after the proposer's first
// output. getTimeToFinalize reads through Multicall3 (the L1 chain's, from addresses.json).
// Usage: node tools/clients/l1-reads.mjs <l1-rpc-url> <addresses.json> <proposer-key>
// Prints one JSON object of what it saw and exits non-zero on failure.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createPublicClient, createWalletClient, defineChain, http, parseAbi, keccak256, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { chainConfig, publicActionsL1 } from 'viem/op-stack';

const [url, addressesPath, proposerKey] = process.argv.slice(2);
const addresses = JSON.parse(readFileSync(addressesPath, 'utf8'));
const l1 = defineChain({
  id: 900,
  name: 'lamina-l1',
  nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: [url] } },
  contracts: { multicall3: { address: addresses.Multicall3 } },
});
const l2 = defineChain({
  ...chainConfig,
  id: 901,
  name: 'lamina-dev',
  nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: ['http://127.0.0.1:1'] } },
  sourceId: 900,
  contracts: {
    ...chainConfig.contracts,
    portal: { 900: { address: addresses.OptimismPortal } },
    l2OutputOracle: { 900: { address: addresses.L2OutputOracle } },
  },
});
const client = createPublicClient({ chain: l1, transport: http(url) }).extend(publicActionsL1());
const proposer = createWalletClient({ account: privateKeyToAccount(proposerKey), chain: l1, transport: http(url) });
const oracleAbi = parseAbi([
  'function proposeL2Output(bytes32 _outputRoot, uint256 _l2BlockNumber, bytes32 _l1BlockHash, uint256 _l1BlockNumber) payable',
  'function nextBlockNumber() view returns (uint256)',
  'function computeL2Timestamp(uint256) view returns (uint256)',
  'function FINALIZATION_PERIOD_SECONDS() view returns (uint256)',
]);
const withdrawalHash = keccak256(toHex('a withdrawal nobody proved'));
const sender = privateKeyToAccount(proposerKey).address;
const seen = {};

// No output yet: viem matches the oracle's revert reason to say "waiting to prove".
await assert.rejects(client.getL2Output({ l2BlockNumber: 1n, targetChain: l2 }), /has not been proposed/);
seen.before = await client.getWithdrawalStatus({ withdrawalHash, sender, l2BlockNumber: 1n, targetChain: l2 });
assert.equal(seen.before, 'waiting-to-prove');

// The proposer's first output, once L1 time has passed its L2 block's time.
const oracle = addresses.L2OutputOracle;
const next = await client.readContract({ address: oracle, abi: oracleAbi, functionName: 'nextBlockNumber' });
const due = await client.readContract({ address: oracle, abi: oracleAbi, functionName: 'computeL2Timestamp', args: [next] });
await client.request({ method: 'evm_mine', params: [toHex(due + 1n)] });
const root = keccak256(toHex('output root'));
const hash = await proposer.writeContract({
  address: oracle, abi: oracleAbi, functionName: 'proposeL2Output',
  args: [root, next, '0x' + '00'.repeat(32), 0n],
});
assert.equal((await client.waitForTransactionReceipt({ hash })).status, 'success');

const output = await client.getL2Output({ l2BlockNumber: next - 1n, targetChain: l2 });
assert.equal(output.outputRoot, root);
assert.equal(output.l2BlockNumber, next);
assert.equal(output.outputIndex, 0n);
seen.output = { outputRoot: output.outputRoot, l2BlockNumber: Number(output.l2BlockNumber), outputIndex: Number(output.outputIndex), timestamp: Number(output.timestamp) };
seen.after = await client.getWithdrawalStatus({ withdrawalHash, sender, l2BlockNumber: next - 1n, targetChain: l2 });
assert.equal(seen.after, 'ready-to-prove');
seen.later = await client.getWithdrawalStatus({ withdrawalHash, sender, l2BlockNumber: next + 1n, targetChain: l2 });
assert.equal(seen.later, 'waiting-to-prove');
const period = await client.readContract({ address: oracle, abi: oracleAbi, functionName: 'FINALIZATION_PERIOD_SECONDS' });
seen.timeToFinalize = await client.getTimeToFinalize({ withdrawalHash, targetChain: l2 });
assert.equal(seen.timeToFinalize.period, Number(period));
console.log(JSON.stringify(seen));
