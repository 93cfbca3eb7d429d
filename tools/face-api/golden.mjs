// golden.mjs -- face-api's own outputs on the test photos, for tests/data/face-api/*.txt.
//
// Runs @vladmandic/face-api's browser bundle (dist/face-api.esm.js, TensorFlow.js inside) under
// node with tfjs's pure-JS "cpu" backend: no tfjs-node, no network. The bundle stubs node's
// `util`, so node is hidden from it while it loads and a small platform object is given to tf.
// Input pixels come as binary PPM files written by our own decoder (test-facenet --dump-ppm), so
// both sides see the same pixels.
//
//   node tools/face-api/golden.mjs MODEL_DIR NAME=FILE.ppm ... > tests/data/face-api/golden.txt
// Lines: "tiny|ssd NAME x0 y0 x1 y1 score" (image pixels, face-api's FaceDetection.box; best first);
// after each ssd face, "landmarks NAME X0 Y0 X1 Y1 x y x y ..." (68 points in the crop's pixels) and
// "expression NAME X0 Y0 X1 Y1 p..." (neutral happy sad angry fearful disgusted surprised) for
// the crop [X0, X1) x [Y0, Y1) with the box's corners clipped to the image and rounded.
import { readFileSync } from 'fs';
import { createRequire } from 'module';

const require = createRequire(import.meta.url);
const bundle = require.resolve('@vladmandic/face-api/dist/face-api.esm.js', { paths: [process.cwd(), process.env.FACE_API_PREFIX || '.'] });
const saved = process.versions.node;
Object.defineProperty(process.versions, 'node', { value: undefined, configurable: true });
const faceapi = await import(bundle);
Object.defineProperty(process.versions, 'node', { value: saved, configurable: true });
const tf = faceapi.tf;
tf.env().setPlatform('rmn', {
  fetch: globalThis.fetch, now: () => performance.now(),
  encode: (s) => new TextEncoder().encode(s), decode: (b, e) => new TextDecoder(e).decode(b),
  isTypedArray: (a) => ArrayBuffer.isView(a) && !(a instanceof DataView), setTimeoutCustom: setTimeout,
});
// face-api's own environment: tensors only, so placeholder DOM classes
class None {}
faceapi.env.setEnv({
  Canvas: None, CanvasRenderingContext2D: None, Image: None, ImageData: None, Video: None,
  createCanvasElement: () => { throw new Error('no canvas'); },
  createImageElement: () => { throw new Error('no image'); },
  fetch: globalThis.fetch, readFile: async (p) => readFileSync(p),
});
await tf.setBackend('cpu');
await tf.ready();

const dir = process.argv[2];
function weights(name) {
  const manifest = JSON.parse(readFileSync(`${dir}/${name}-weights_manifest.json`, 'utf8'));
  const map = {};
  for (const group of manifest) {
    const bufs = group.paths.map((p) => readFileSync(`${dir}/${p}`));
    const all = Buffer.concat(bufs);
    const ab = all.buffer.slice(all.byteOffset, all.byteOffset + all.length);
    Object.assign(map, tf.io.decodeWeights(ab, group.weights));
  }
  return map;
}
function readPpm(path) {
  const b = readFileSync(path);
  const head = b.toString('latin1', 0, 64).match(/^P6\s+(\d+)\s+(\d+)\s+255\s/);
  if (!head) throw new Error(`${path}: not a binary PPM`);
  const w = +head[1], h = +head[2], off = head[0].length;
  return tf.tensor3d(Float32Array.from(b.subarray(off, off + w * h * 3)), [h, w, 3], 'float32');
}
const f6 = (v) => v.toFixed(6);

faceapi.nets.tinyFaceDetector.loadFromWeightMap(weights('tiny_face_detector_model'));
faceapi.nets.ssdMobilenetv1.loadFromWeightMap(weights('ssd_mobilenetv1_model'));
faceapi.nets.faceLandmark68Net.loadFromWeightMap(weights('face_landmark_68_model'));
faceapi.nets.faceExpressionNet.loadFromWeightMap(weights('face_expression_model'));
for (const arg of process.argv.slice(3)) {
  const [name, file] = arg.split('=');
  const img = readPpm(file);
  const dets = await faceapi.nets.tinyFaceDetector.locateFaces(img, { inputSize: 416, scoreThreshold: 0.5 });
  for (const d of dets) {
    const b = d.box;
    console.log(`tiny ${name} ${f6(b.x)} ${f6(b.y)} ${f6(b.x + b.width)} ${f6(b.y + b.height)} ${d.score.toFixed(7)}`);
  }
  const ssd = await faceapi.nets.ssdMobilenetv1.locateFaces(img, { minConfidence: 0.5, maxResults: 100 });
  for (const d of ssd) {
    const b = d.box;
    console.log(`ssd ${name} ${f6(b.x)} ${f6(b.y)} ${f6(b.x + b.width)} ${f6(b.y + b.height)} ${d.score.toFixed(7)}`);
    // the face nets on the integer crop [round(x0), round(x1)) x [round(y0), round(y1))
    const [h, w] = img.shape;
    const [x0, y0, x1, y1] = [b.x, b.y, Math.min(b.x + b.width, w), Math.min(b.y + b.height, h)].map((v) => Math.max(0, Math.round(v)));
    const crop = tf.slice(img, [y0, x0, 0], [y1 - y0, x1 - x0, 3]);
    const lm = await faceapi.nets.faceLandmark68Net.detectLandmarks(crop);
    console.log(`landmarks ${name} ${x0} ${y0} ${x1} ${y1} ${lm.positions.map((p) => `${f6(p.x)} ${f6(p.y)}`).join(' ')}`);
    const ex = await faceapi.nets.faceExpressionNet.predictExpressions(crop);
    const order = ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised'];
    console.log(`expression ${name} ${x0} ${y0} ${x1} ${y1} ${order.map((k) => ex[k].toFixed(7)).join(' ')}`);
    crop.dispose();
  }
  img.dispose();
}
