// Calls the official TypeScript SDK's STT operations for tests/e2e/test_typescript_sdk.py, which
// copies this file beside the node_modules it installs the SDK into, and runs it there.
//
// Reads one JSON document on stdin: {serverURL, apiKey, calls: [{op, request, audio}]}, where op is
// "json" (stt.createTranscription) or "multipart" (stt.createTranscriptionMultipart), request is
// the SDK's request minus the audio, and audio names a file to send: {path, format} for json (sent
// as base64 input_audio) or {path, fileName} for multipart (sent as the SDK's {fileName, content}).
// Writes one JSON document on stdout: a list with, per call, {ok: true, value} (the SDK's parsed
// response) or {ok: false, error: {name, isOpenRouterError, statusCode, message, error}}.
import { readFile } from "node:fs/promises";

import { OpenRouter } from "@openrouter/sdk";
import { OpenRouterError } from "@openrouter/sdk/models/errors";

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

async function call(sdk, { op, request, audio }) {
  const bytes = await readFile(audio.path);
  if (op === "json") {
    const inputAudio = { data: bytes.toString("base64"), format: audio.format };
    return sdk.stt.createTranscription({ sttRequest: { ...request, inputAudio } });
  }
  if (op === "multipart") {
    const file = { fileName: audio.fileName, content: new Uint8Array(bytes) };
    return sdk.stt.createTranscriptionMultipart({ requestBody: { ...request, file } });
  }
  throw new Error(`unknown op ${op}`);
}

function described(err) {
  return {
    name: err?.name ?? String(err),
    isOpenRouterError: err instanceof OpenRouterError,
    statusCode: err?.statusCode ?? null,
    message: err?.message ?? String(err),
    error: err?.error ?? null,
  };
}

const input = await readStdin();
const sdk = new OpenRouter({ serverURL: input.serverURL, apiKey: input.apiKey });
const results = [];
for (const each of input.calls) {
  try {
    results.push({ ok: true, value: await call(sdk, each) });
  } catch (err) {
    results.push({ ok: false, error: described(err) });
  }
}
process.stdout.write(JSON.stringify(results));
