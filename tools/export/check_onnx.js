// check_onnx.js -- runs an rmn-exported ONNX model in onnxruntime-node (an independent
// runtime) on the images of an rmn-export --dump file and compares with rmn's logits.
//   node tools/export/check_onnx.js MODEL.onnx DUMP [TOL]   (TOL default 1e-4)
// The dump: "RMNX", int32 n, c, h, w, k, n*c*h*w floats, n*k floats (little-endian).
// Runs the whole batch at once and, when n > 1, also image 0 alone (the batch is dynamic).
// Prints "max |diff| D over N logits (largest |logit| L)"; exit 0 within TOL, 1 beyond,
// 77 when onnxruntime-node cannot be loaded (NODE_PATH may point at its node_modules).
'use strict';
const fs = require('fs');
let ort;
try {
  ort = require('onnxruntime-node');
} catch (e) {
  console.log('onnxruntime-node not available: ' + e.message.split('\n')[0]);
  process.exit(77);
}
async function main() {
  const [model, dumpPath, tolArg] = process.argv.slice(2);
  const tol = tolArg ? Number(tolArg) : 1e-4;
  const buf = fs.readFileSync(dumpPath);
  if (buf.toString('latin1', 0, 4) !== 'RMNX') throw new Error(dumpPath + ': not an rmn dump');
  const [n, c, h, w, k] = [0, 1, 2, 3, 4].map((i) => buf.readInt32LE(4 + 4 * i));
  const nx = n * c * h * w;
  const x = new Float32Array(buf.buffer.slice(buf.byteOffset + 24, buf.byteOffset + 24 + 4 * nx));
  const ref = new Float32Array(
      buf.buffer.slice(buf.byteOffset + 24 + 4 * nx, buf.byteOffset + 24 + 4 * (nx + n * k)));
  const sess = await ort.InferenceSession.create(model, {graphOptimizationLevel: 'disabled', logSeverityLevel: 3});
  let maxd = 0, maxl = 0;
  const run = async (count) => {
    const t = new ort.Tensor('float32', x.subarray(0, count * c * h * w), [count, c, h, w]);
    const out = (await sess.run({input: t})).logits;
    if (out.dims[0] !== count || out.dims[1] !== k)
      throw new Error('logits dims ' + out.dims + ', want ' + [count, k]);
    for (let i = 0; i < count * k; ++i) {
      maxd = Math.max(maxd, Math.abs(out.data[i] - ref[i]));
      maxl = Math.max(maxl, Math.abs(ref[i]));
    }
  };
  await run(n);
  if (n > 1) await run(1);
  console.log(`max |diff| ${maxd.toExponential(2)} over ${n * k} logits (largest |logit| ` +
              `${maxl.toPrecision(3)}, batch ${n} and 1)`);
  process.exit(maxd <= tol ? 0 : 1);
}
main().catch((e) => {
  console.log('error: ' + e.message);
  process.exit(1);
});
