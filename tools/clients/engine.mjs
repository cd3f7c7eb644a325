// viem against a running `lamina engine --dev`: deploy a contract, transfer, read receipts with
// the OP fields, estimate gas, call, getLogs, getProof, and check the OP tx shapes.
// Usage: node tools/clients/engine.mjs <rpc-url> <private-key> <initcode-hex>
// Prints one JSON object (what the Rust test checks further) and exits non-zero on failure.
import assert from 'node:assert/strict';
import {
  createPublicClient, createWalletClient, defineChain, http, parseAbi, parseAbiItem, parseEther,
  keccak256, toHex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { chainConfig, publicActionsL2 } from 'viem/op-stack';

const [url, key, initcode] = process.argv.slice(2);
const chain = defineChain({
  ...chainConfig,
  id: 901,
  name: 'lamina-dev',
  nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: [url] } },
});
const account = privateKeyToAccount(key);
const pub = createPublicClient({ chain, transport: http(url) }).extend(publicActionsL2());
const wallet = createWalletClient({ account, chain, transport: http(url) });
const abi = parseAbi(['function set(uint256 v)', 'function get() view returns (uint256)']);

assert.equal(await pub.getChainId(), 901);

// Deploy.
const deployHash = await wallet.sendTransaction({ data: initcode });
const deployed = await pub.waitForTransactionReceipt({ hash: deployHash });
assert.equal(deployed.status, 'success');
const contract = deployed.contractAddress;
assert.ok(contract, 'contract address');

// Estimate, then write.
const estimate = await pub.estimateContractGas({ address: contract, abi, functionName: 'set', args: [7n], account });
const setHash = await wallet.writeContract({ address: contract, abi, functionName: 'set', args: [7n] });
const set = await pub.waitForTransactionReceipt({ hash: setHash });
assert.equal(set.status, 'success');
assert.ok(estimate >= set.gasUsed, `estimate ${estimate} covers ${set.gasUsed}`);
assert.ok(estimate <= (set.gasUsed * 110n) / 100n + 3000n, `estimate ${estimate} is tight for ${set.gasUsed}`);
// The OP receipt fields: viem's op-stack formatter turns these into bigints…
for (const f of ['l1Fee', 'l1GasUsed', 'l1GasPrice']) {
  assert.equal(typeof set[f], 'bigint', `receipt.${f}`);
}
// …and passes the Ecotone/Isthmus ones through as quantities.
for (const f of ['l1BaseFeeScalar', 'l1BlobBaseFee', 'l1BlobBaseFeeScalar', 'operatorFeeScalar', 'operatorFeeConstant']) {
  assert.match(set[f], /^0x[0-9a-f]+$/, `receipt.${f}`);
}
assert.ok(set.l1Fee > 0n, 'an L1 data fee is charged');

// Read back.
assert.equal(await pub.readContract({ address: contract, abi, functionName: 'get' }), 7n);

// A transfer.
const to = '0x000000000000000000000000000000000000bEEF';
const before = await pub.getBalance({ address: to });
const sendHash = await wallet.sendTransaction({ to, value: parseEther('0.5') });
const sent = await pub.waitForTransactionReceipt({ hash: sendHash });
assert.equal(sent.status, 'success');
assert.equal(await pub.getBalance({ address: to }), before + parseEther('0.5'));
const tx = await pub.getTransaction({ hash: sendHash });
assert.equal(tx.from.toLowerCase(), account.address.toLowerCase());

// Logs.
const event = parseAbiItem('event Stored(uint256 value)');
const logs = await pub.getLogs({ address: contract, event, fromBlock: 0n, toBlock: 'latest' });
assert.equal(logs.length, 1);
assert.equal(logs[0].args.value, 7n);
assert.equal(logs[0].transactionHash, setHash);

// The deposit that opens every block, in its OP shape.
const block = await pub.getBlock({ blockNumber: set.blockNumber, includeTransactions: true });
const deposit = block.transactions[0];
assert.equal(deposit.type, 'deposit');
assert.ok(deposit.sourceHash, 'sourceHash');
// op-geth (and op-alloy) omit `isSystemTx` unless it is true, which it never is after Regolith.
assert.ok(!deposit.isSystemTx);
assert.equal(typeof deposit.mint, 'bigint');
assert.equal(deposit.to.toLowerCase(), '0x4200000000000000000000000000000000000015');

// The GasPriceOracle predeploy through viem's op-stack action.
const l1Fee = await pub.estimateL1Fee({ account, to, value: 1n });
assert.ok(l1Fee > 0n, 'GasPriceOracle.getL1Fee');

// A proof of slot 0 at the set block (the Rust test verifies it against the state root).
const proof = await pub.getProof({ address: contract, storageKeys: [toHex(0, { size: 32 })], blockNumber: set.blockNumber });
assert.equal(proof.storageProof[0].value, 7n);

console.log(JSON.stringify({
  contract,
  setBlock: Number(set.blockNumber),
  stateRoot: block.stateRoot,
  estimate: Number(estimate),
  gasUsed: Number(set.gasUsed),
  l1Fee: set.l1Fee.toString(),
  proof: { accountProof: proof.accountProof, storageHash: proof.storageHash, storageProof: proof.storageProof[0].proof },
  topic: keccak256(toHex('Stored(uint256)')),
}));
