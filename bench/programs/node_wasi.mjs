// node_wasi.mjs: runs a WASI command module under Node's wasi module (V8), as bench/programs'
// run.py times it. Usage: node node_wasi.mjs FILE.wasm [ARGS...]; the current directory is
// preopened as "." (like wactor exec --dir .::.); the guest's exit code becomes node's.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import { argv, exit } from 'node:process';

const [file, ...args] = argv.slice(2);
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: {}, preopens: { '.': '.' },
                        returnOnExit: true });
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
exit(wasi.start(instance));
