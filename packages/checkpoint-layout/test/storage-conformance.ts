import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sha256 } from "../src/hash.js";
import { CheckpointError, type Storage } from "../src/index.js";
import { sha256File } from "../src/integrity.js";
import { joinPath } from "../src/storage.js";

/** The tree every adapter is set up with (a key ending in `/` is an empty directory). */
const CONFORMANCE_TREE: Readonly<Record<string, string | Uint8Array>> = {
  "a.txt": "hello",
  "utf8.txt": "héllo ✓ 🚀",
  "bin.dat": new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
  "dir/b.txt": "bee",
  "dir/sub/c.txt": "sea",
  "empty/": "",
};

/** How a conformance run gets its adapter: a storage holding {@link CONFORMANCE_TREE} under `root`. */
export interface StorageUnderTest {
  /** Sets up the tree and returns the storage and the root path the tree lives under. */
  setup(tree: Readonly<Record<string, string | Uint8Array>>): Promise<{ storage: Storage; root: string }>;
  /** Cleans up after the suite. */
  teardown?(): Promise<void>;
}

async function expectNotFound(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(CheckpointError.isInstance(error), `expected a CheckpointError, got ${String(error)}`).toBe(true);
  expect((error as CheckpointError).code).toBe("NOT_FOUND");
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/**
 * The behaviour every {@link Storage} adapter must have (unstorage's `testDriver` pattern): each
 * adapter's test file calls it once, then adds its own regressions.
 */
export function testStorage(name: string, under: StorageUnderTest): void {
  describe(`Storage conformance: ${name}`, () => {
    let storage: Storage;
    let root: string;
    const at = (rel: string) => joinPath(root, rel);

    beforeAll(async () => {
      ({ storage, root } = await under.setup(CONFORMANCE_TREE));
    });
    afterAll(async () => {
      await under.teardown?.();
    });

    it("list: names and types of a directory's entries (files, dirs, empty dirs)", async () => {
      const entries = (await storage.list(root)).map((e) => [e.name, e.type]).sort();
      expect(entries).toEqual([
        ["a.txt", "file"],
        ["bin.dat", "file"],
        ["dir", "dir"],
        ["empty", "dir"],
        ["utf8.txt", "file"],
      ]);
      expect(await storage.list(at("empty"))).toEqual([]);
      expect((await storage.list(`${at("dir")}/`)).map((e) => e.name).sort()).toEqual(["b.txt", "sub"]);
    });

    it("list: sizes and mtimes, when an adapter gives them, are the real ones", async () => {
      for (const e of await storage.list(root)) {
        const s = await storage.stat(at(e.name));
        if (e.size !== undefined) expect(e.size).toBe(s?.size);
        if (e.mtimeMs !== undefined) expect(typeof e.mtimeMs).toBe("number");
      }
    });

    it("list: a missing directory, or a file, is NOT_FOUND", async () => {
      await expectNotFound(storage.list(at("nope")));
      await expectNotFound(storage.list(at("a.txt")));
    });

    it("stat: type and size of files and dirs; null when missing (also below a file)", async () => {
      expect(await storage.stat(at("a.txt"))).toMatchObject({ type: "file", size: 5 });
      expect(await storage.stat(at("bin.dat"))).toMatchObject({ type: "file", size: 10 });
      expect((await storage.stat(at("dir")))?.type).toBe("dir");
      expect((await storage.stat(at("empty")))?.type).toBe("dir");
      expect(await storage.stat(at("nope"))).toBeNull();
      expect(await storage.stat(at("a.txt/below"))).toBeNull();
    });

    it("read: whole files, byte ranges [start, end), short at the end of the file", async () => {
      expect([...(await storage.read(at("bin.dat")))]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect([...(await storage.read(at("bin.dat"), { start: 2, end: 5 }))]).toEqual([2, 3, 4]);
      expect([...(await storage.read(at("bin.dat"), { start: 8, end: 20 }))]).toEqual([8, 9]);
      expect((await storage.read(at("bin.dat"), { start: 10, end: 12 })).length).toBe(0);
      expect(text(await storage.read(at("dir/sub/c.txt")))).toBe("sea");
    });

    it("readText: UTF-8", async () => {
      expect(await storage.readText(at("utf8.txt"))).toBe("héllo ✓ 🚀");
      expect(await storage.readText(at("dir/b.txt"))).toBe("bee");
    });

    it("read / readText of a missing file are NOT_FOUND", async () => {
      await expectNotFound(storage.read(at("nope.bin")));
      await expectNotFound(storage.read(at("nope.bin"), { start: 0, end: 4 }));
      await expectNotFound(storage.readText(at("nope.txt")));
    });

    it("createSha256, when an adapter has one, gives the same digests as the pure SHA-256", async () => {
      if (!storage.createSha256) return;
      const inputs = [new Uint8Array(0), new TextEncoder().encode("abc"), await storage.read(at("bin.dat"))];
      for (const bytes of inputs) {
        const native = storage.createSha256();
        native.update(bytes.subarray(0, 3));
        native.update(bytes.subarray(3));
        expect(native.hex()).toBe(new Sha256().update(bytes).hex());
      }
      expect(await sha256File(storage, at("utf8.txt"))).toBe(
        new Sha256().update(new TextEncoder().encode("héllo ✓ 🚀")).hex(),
      );
    });

    it("write: creates parents, overwrites, and what it wrote reads back", async () => {
      if (!storage.write) return;
      await storage.write(at("new/deep/x.txt"), "first");
      await storage.write(at("new/deep/x.txt"), "second");
      await storage.write(at("new/y.bin"), new Uint8Array([7, 8, 9]));
      expect(await storage.readText(at("new/deep/x.txt"))).toBe("second");
      expect(await storage.stat(at("new/deep/x.txt"))).toMatchObject({ type: "file", size: 6 });
      expect([...(await storage.read(at("new/y.bin")))]).toEqual([7, 8, 9]);
      expect((await storage.list(at("new"))).map((e) => [e.name, e.type]).sort()).toEqual([
        ["deep", "dir"],
        ["y.bin", "file"],
      ]);
    });

    it("remove: a file, then a whole tree; missing paths are NOT_FOUND", async () => {
      await storage.remove(at("a.txt"));
      expect(await storage.stat(at("a.txt"))).toBeNull();
      await storage.remove(at("dir"));
      expect(await storage.stat(at("dir"))).toBeNull();
      expect(await storage.stat(at("dir/sub/c.txt"))).toBeNull();
      expect((await storage.list(root)).map((e) => e.name)).not.toContain("dir");
      await expectNotFound(storage.remove(at("dir")));
    });
  });
}
