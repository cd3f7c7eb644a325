// Compiles every contract under src/ with solcjs (npm `solc`, pinned in package.json) and
// writes one artifact per contract to artifacts/<Name>.json: ABI, creation and runtime bytecode,
// storage layout. `--check` compiles in memory and fails if the committed artifacts differ from
// what the sources produce (or if any are missing or stale).
import { readFileSync, readdirSync, writeFileSync, mkdirSync, existsSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import solc from "solc";

const root = fileURLToPath(new URL(".", import.meta.url));
const srcDir = join(root, "src");
const outDir = join(root, "artifacts");
const check = process.argv.includes("--check");

function solFiles(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) return solFiles(p);
      return name.endsWith(".sol") ? [p] : [];
    });
}

const sources = Object.fromEntries(
  solFiles(srcDir).map((p) => [relative(root, p), { content: readFileSync(p, "utf8") }]),
);
const input = {
  language: "Solidity",
  sources,
  settings: {
    // Paris (no PUSH0): predeploys must run under every fork an L2 may start at, including
    // pre-Canyon (London/Paris) rules; it runs on any post-merge L1 as well.
    evmVersion: "paris",
    optimizer: { enabled: true, runs: 200 },
    // No metadata hash: bytecode then depends only on the code, not on comments or paths.
    metadata: { appendCBOR: false },
    outputSelection: {
      "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "storageLayout"] },
    },
  },
};

const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
for (const e of output.errors || []) {
  if (e.severity === "error") console.error(e.formattedMessage);
}
if (errors.length) process.exit(1);

const artifacts = {};
for (const [sourceName, contracts] of Object.entries(output.contracts)) {
  for (const [name, c] of Object.entries(contracts)) {
    if (!c.evm.bytecode.object) continue; // interfaces and abstract contracts
    // Libraries of internal functions are compiled into their users; nothing deploys them.
    if (sourceName.startsWith("src/libraries/")) continue;
    artifacts[name] = {
      contractName: name,
      sourceName,
      compiler: solc.version(),
      abi: c.abi,
      bytecode: "0x" + c.evm.bytecode.object,
      deployedBytecode: "0x" + c.evm.deployedBytecode.object,
      storageLayout: c.storageLayout.storage.map((s) => ({
        label: s.label,
        slot: Number(s.slot),
        offset: s.offset,
        type: c.storageLayout.types[s.type].label,
      })),
    };
  }
}

const render = (a) => JSON.stringify(a, null, 2) + "\n";
if (check) {
  const problems = [];
  for (const [name, a] of Object.entries(artifacts)) {
    const path = join(outDir, `${name}.json`);
    if (!existsSync(path)) problems.push(`missing artifacts/${name}.json`);
    else if (readFileSync(path, "utf8") !== render(a)) problems.push(`artifacts/${name}.json does not match its source`);
  }
  if (existsSync(outDir)) {
    for (const f of readdirSync(outDir)) {
      if (f.endsWith(".json") && !artifacts[f.slice(0, -5)]) problems.push(`stale artifacts/${f}`);
    }
  }
  if (problems.length) {
    console.error(problems.join("\n") + "\nrun `node contracts/build.mjs` and commit the artifacts");
    process.exit(1);
  }
  console.log(`artifacts match sources (${Object.keys(artifacts).length} contracts)`);
} else {
  mkdirSync(outDir, { recursive: true });
  for (const [name, a] of Object.entries(artifacts)) writeFileSync(join(outDir, `${name}.json`), render(a));
  console.log(`wrote ${Object.keys(artifacts).length} artifacts`);
}
