// Drives the official Hugging Face Hub JS client for the storage cross-check tests.
// Usage: node crosscheck.mjs <command> '<json arguments>'; prints one JSON result on stdout.
// The Hub URL and token come from HF_ENDPOINT and HF_TOKEN, as for the other clients.
import { readFile, writeFile } from "node:fs/promises";
import { createRepo, commit, listCommits, listFiles, downloadFile, scanCacheDir } from "@huggingface/hub";

const [command, rawArgs] = process.argv.slice(2);
const args = JSON.parse(rawArgs ?? "{}");
const hubUrl = process.env.HF_ENDPOINT;
const accessToken = process.env.HF_TOKEN;
const repo = args.repo ? { type: "model", name: args.repo } : undefined;

async function run() {
  switch (command) {
    case "create-repo":
      return await createRepo({ repo, hubUrl, accessToken });
    case "commit": {
      const operations = [];
      for (const f of args.files) {
        operations.push({ operation: "addOrUpdate", path: f.path, content: new Blob([await readFile(f.localFile)]) });
      }
      const out = await commit({ repo, hubUrl, accessToken, title: args.title, operations, parentCommit: args.parentCommit });
      return { oid: out.commit.oid };
    }
    case "list-commits": {
      const commits = [];
      for await (const c of listCommits({ repo, hubUrl, accessToken, revision: args.revision, batchSize: args.batchSize })) {
        commits.push({ oid: c.oid, title: c.title });
      }
      return commits;
    }
    case "list-files": {
      const files = [];
      for await (const f of listFiles({ repo, hubUrl, accessToken, revision: args.revision, recursive: true })) {
        files.push({ path: f.path, type: f.type, size: f.size, oid: f.oid, lfsOid: f.lfs?.oid ?? null });
      }
      return files;
    }
    case "download": {
      const found = [];
      for (const item of args.items) {
        const blob = await downloadFile({ repo, hubUrl, accessToken, revision: args.revision, path: item.path });
        if (blob) await writeFile(item.out, Buffer.from(await blob.arrayBuffer()));
        found.push(!!blob);
      }
      return found;
    }
    case "scan-cache": {
      const info = await scanCacheDir(args.cacheDir);
      return info.repos.map((r) => ({
        repo: r.id.name,
        revisions: r.revisions.map((v) => ({
          commitOid: v.commitOid,
          refs: [...v.refs],
          files: v.files.map((f) => ({ path: f.path, blob: f.blob.path, size: f.blob.size })),
        })),
      }));
    }
    default:
      throw new Error(`unknown command ${command}`);
  }
}

try {
  process.stdout.write(JSON.stringify(await run()));
} catch (e) {
  process.stdout.write(JSON.stringify({ error: String(e?.message ?? e), status: e?.statusCode ?? null }));
  process.exitCode = 3;
}
