import { describe, expect, it } from "vitest";
import { CLIENT_SOURCE } from "./client.js";
import { CHART_KIT_SOURCE, type ChartKit, chartKit } from "./kit.js";

// The page gets these functions as source text: they must stand alone (no module references).
describe("inlined client and kit sources", () => {
  it("the kit's source evaluates, on its own, to the kit the SVG fallback uses", () => {
    const inlined = new Function("__name", `"use strict";return ${CHART_KIT_SOURCE};`)(
      (f: unknown) => f,
    ) as ChartKit;
    const kit = chartKit();
    expect(inlined.niceTicks(0, 137, 5)).toEqual(kit.niceTicks(0, 137, 5));
    expect(inlined.logTicks(0.001, 50, 4)).toEqual(kit.logTicks(0.001, 50, 4));
    expect(inlined.formatTick(0.025, 0.025)).toBe("0.025");
    expect(inlined.formatStep(1_234_567)).toBe(kit.formatStep(1_234_567));
    expect(Array.from(inlined.ema([1, 2, Number.NaN, 4], 0.6))).toEqual(
      Array.from(kit.ema([1, 2, Number.NaN, 4], 0.6)),
    );
    const steps = Float64Array.from({ length: 1000 }, (_, i) => i);
    const values = Float32Array.from(steps, (s) => Math.sin(s / 10));
    expect(inlined.columns(steps, values, 0, 999, 100)).toEqual(kit.columns(steps, values, 0, 999, 100));
    expect(inlined.nearest(steps, 41.6)).toBe(42);
    expect(
      inlined.placeRows(
        [
          { x: 0, w: 50 },
          { x: 10, w: 50 },
          { x: 70, w: 5 },
        ],
        4,
      ),
    ).toEqual([0, 1, 0]);
  });

  it("the client's source is one function expression taking the kit, and declares every function it calls", () => {
    const client = new Function("__name", `"use strict";return ${CLIENT_SOURCE};`)((f: unknown) => f);
    expect(typeof client).toBe("function");
    expect(client.length).toBe(1);
    for (const name of ["drawChart", "drawOverlay", "drawnValues", "startPage", "showTip", "hoverAt"])
      expect(CLIENT_SOURCE).toMatch(new RegExp(`function\\s*${name}\\b`));
  });
});
