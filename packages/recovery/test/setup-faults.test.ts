// Full disk and concurrent setups: ENOSPC by fault injection (the fs module is wrapped), leases instead
// of PID checks for temporary folders.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFixtureRun } from "@rlops/checkpoint-layout/fixtures";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

const fault = vi.hoisted(() => ({ failOpenOf: null as RegExp | null, failMkdirOf: null as RegExp | null }));
vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  const enospc = (path: string) =>
    Object.assign(new Error(`ENOSPC: no space left on device, open '${path}'`), { code: "ENOSPC", path });
  return {
    ...real,
    open: (async (path: string, ...rest: unknown[]) => {
      if (fault.failOpenOf?.test(String(path))) throw enospc(String(path));
      return (real.open as (...a: unknown[]) => unknown)(path, ...rest);
    }) as typeof real.open,
    mkdir: (async (path: string, ...rest: unknown[]) => {
      if (fault.failMkdirOf?.test(String(path))) throw enospc(String(path));
      return (real.mkdir as (...a: unknown[]) => unknown)(path, ...rest);
    }) as typeof real.mkdir,
  };
});

const { planResume, setupRecovery, LEASE_STALE_MS } = await import("../src/node.js");

const tmp = fileURLToPath(new URL("../.tmp/setup-faults", import.meta.url));
beforeAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => {
  fault.failOpenOf = null;
  fault.failMkdirOf = null;
});

function run(name: string) {
  return writeFixtureRun(join(tmp, name), "hf", { steps: [50, 100, 150] });
}
const temps = () => readdirSync(tmp).filter((n) => n.includes(".rlops-recovery-tmp-"));

describe("setupRecovery on a full disk", () => {
  it("ENOSPC at the manifest write is SETUP_FAILED and leaves no partial output", async () => {
    const r = run("enospc-manifest");
    const plan = await planResume(r.runDir, { beforeStep: 120 });
    fault.failOpenOf = /recovery-manifest\.json\.part$/;
    await expect(setupRecovery(plan)).rejects.toMatchObject({
      name: "RecoveryError",
      code: "SETUP_FAILED",
      details: expect.objectContaining({ errno: "ENOSPC" }),
    });
    expect(existsSync(`${r.runDir}-recover-step100`)).toBe(false);
    expect(temps()).toEqual([]);
  });

  it("ENOSPC creating a sub-folder of the copy is SETUP_FAILED too", async () => {
    const r = writeFixtureRun(join(tmp, "enospc-mkdir"), "hf", { steps: [50, 100], sharded: true });
    const plan = await planResume(r.runDir, { beforeStep: 120 });
    fault.failMkdirOf = /rlops-recovery-tmp-[0-9a-f]+\/checkpoint-100$/;
    await expect(setupRecovery(plan)).rejects.toMatchObject({ code: "SETUP_FAILED" });
    expect(temps()).toEqual([]);
  });
});

describe("temporary folders carry a lease, not a PID", () => {
  it("a running setup's temp folder from another PID namespace is never deleted", async () => {
    const r = run("lease-live");
    const plan = await planResume(r.runDir, { beforeStep: 120 });
    const target = `${r.runDir}-recover-step100`;
    // another container's setup: a PID that is not alive here, a fresh lease (its heartbeat)
    const foreign = join(tmp, `.lease-live-recover-step100.rlops-recovery-tmp-999999-abcd`);
    mkdirSync(join(foreign, "checkpoint-100"), { recursive: true });
    writeFileSync(`${foreign}.lease`, "lease\n");
    const result = await setupRecovery(plan);
    expect(result.cleaned).toEqual([]);
    expect(existsSync(foreign)).toBe(true);
    expect(existsSync(target)).toBe(true);
    rmSync(foreign, { recursive: true });
    rmSync(`${foreign}.lease`);
  });

  it("refreshes its lease while it runs and removes it at the end", async () => {
    const r = run("lease-heartbeat");
    const plan = await planResume(r.runDir, { beforeStep: 120 });
    const mtimes: number[] = [];
    await setupRecovery(plan, {
      heartbeatMs: 20,
      async onStep(step) {
        if (step !== "copied") return;
        const lease = temps().find((n) => n.endsWith(".lease"));
        expect(lease).toBeDefined();
        const path = join(tmp, lease!);
        mtimes.push(statSync(path).mtimeMs);
        await new Promise((done) => setTimeout(done, 150));
        mtimes.push(statSync(path).mtimeMs);
      },
    });
    expect(mtimes[1]!).toBeGreaterThan(mtimes[0]!);
    expect(temps()).toEqual([]);
  });

  it("a lease older than the stale bound is an abandoned setup: removed with its folder", async () => {
    const r = run("lease-stale");
    const plan = await planResume(r.runDir, { beforeStep: 120 });
    const abandoned = join(tmp, `.lease-stale-recover-step100.rlops-recovery-tmp-0123456789ab`);
    mkdirSync(abandoned);
    writeFileSync(`${abandoned}.lease`, "lease\n");
    const result = await setupRecovery(plan, { staleAfterMs: 0 });
    expect(result.cleaned).toEqual([abandoned]);
    expect(temps()).toEqual([]);
    expect(LEASE_STALE_MS).toBe(600_000);
  });
});
