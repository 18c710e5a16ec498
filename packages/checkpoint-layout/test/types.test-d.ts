import { describe, expectTypeOf, it } from "vitest";
import type {
  Checkpoint,
  CheckpointListing,
  LatestResult,
  Layout,
  RetentionCandidate,
  Storage,
  TrainerState,
} from "../src/index.js";
import { listCheckpoints as nodeList } from "../src/node.js";

describe("public types", () => {
  it("infers metadata types from the zod schemas", () => {
    expectTypeOf<TrainerState["global_step"]>().toEqualTypeOf<number | bigint>();
    expectTypeOf<TrainerState["best_model_checkpoint"]>().toEqualTypeOf<string | null | undefined>();
  });

  it("Checkpoint has the contract shape and is a retention candidate", () => {
    expectTypeOf<Checkpoint["role"]>().toEqualTypeOf<"intermediate" | "best" | "final" | "recover">();
    expectTypeOf<Checkpoint["capabilities"]>().toEqualTypeOf<{ resume: boolean; inference: boolean }>();
    expectTypeOf<Checkpoint["layout"]>().toEqualTypeOf<Layout>();
    expectTypeOf<Checkpoint>().toExtend<RetentionCandidate>();
    expectTypeOf<LatestResult["location"]>().toEqualTypeOf<string | null>();
  });

  it("the node entry makes storage optional", () => {
    expectTypeOf(nodeList).parameter(1).toExtend<{ storage?: Storage } | undefined>();
    expectTypeOf(nodeList).returns.resolves.toEqualTypeOf<CheckpointListing>();
  });
});
