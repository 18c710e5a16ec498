import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  augmentGrid,
  DIHEDRAL_TRANSFORMS,
  deaugmentGrid,
  extractGrid,
  formatGrid,
  GRID_FORMATS,
  type Grid,
  inverseTransform,
  invertPermutation,
  permuteColors,
  transformGrid,
} from "../src/index.js";

const gridArb = (maxSide = 30): fc.Arbitrary<Grid> =>
  fc
    .record({ h: fc.integer({ min: 1, max: maxSide }), w: fc.integer({ min: 1, max: maxSide }) })
    .chain(({ h, w }) =>
      fc.array(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: w, maxLength: w }), {
        minLength: h,
        maxLength: h,
      }),
    );

const permArb = (keepZero: boolean) =>
  fc
    .shuffledSubarray(keepZero ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], {
      minLength: keepZero ? 9 : 10,
      maxLength: keepZero ? 9 : 10,
    })
    .map((p) => (keepZero ? [0, ...p] : p));

describe("augmentations (property)", () => {
  it("every dihedral transform composed with its inverse is the identity", () => {
    fc.assert(
      fc.property(gridArb(), fc.constantFrom(...DIHEDRAL_TRANSFORMS), (g, t) => {
        expect(transformGrid(transformGrid(g, t), inverseTransform(t))).toEqual(g);
        expect(transformGrid(transformGrid(g, inverseTransform(t)), t)).toEqual(g);
      }),
      { numRuns: 200 },
    );
  });

  it("colour permutations (0 fixed or not) are undone by their inverse", () => {
    fc.assert(
      fc.property(gridArb(), fc.boolean().chain(permArb), (g, perm) => {
        expect(permuteColors(permuteColors(g, perm), invertPermutation(perm))).toEqual(g);
      }),
      { numRuns: 200 },
    );
  });

  it("augment then deaugment is the identity for transform + colours", () => {
    fc.assert(
      fc.property(
        gridArb(),
        fc.constantFrom(...DIHEDRAL_TRANSFORMS),
        permArb(true),
        (g, transform, colors) => {
          const a = { transform, colors };
          expect(deaugmentGrid(augmentGrid(g, a), a)).toEqual(g);
          expect(augmentGrid(g, a)[0]?.[0] === 0 || g.flat().includes(0) || true).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("the 8 transforms of a non-symmetric grid are distinct, and rot90 four times is the identity", () => {
    const g = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const keys = new Set(DIHEDRAL_TRANSFORMS.map((t) => JSON.stringify(transformGrid(g, t))));
    expect(keys.size).toBe(8);
    expect(transformGrid(g, "rot90")).toEqual([
      [4, 1],
      [5, 2],
      [6, 3],
    ]);
    let r: Grid = g;
    for (let i = 0; i < 4; i++) r = transformGrid(r, "rot90");
    expect(r).toEqual(g);
    expect(transformGrid(g, "rot180")).toEqual(transformGrid(transformGrid(g, "rot90"), "rot90"));
    expect(transformGrid(g, "anti-transpose")).toEqual(
      transformGrid(transformGrid(g, "transpose"), "rot180"),
    );
  });
});

describe("extraction round-trips every format (property)", () => {
  for (const format of GRID_FORMATS) {
    // a one-column Kaggle-flattened grid is indistinguishable from one `|`-separated row
    const minWidth = format === "pipe-flattened" ? 2 : 1;
    it(`${format}`, () => {
      fc.assert(
        fc.property(
          gridArb().filter((g) => (g[0]?.length ?? 0) >= minWidth),
          gridArb(5),
          (g, echoed) => {
            const text = formatGrid(g, format);
            const alone = extractGrid(text);
            expect(alone.ok && alone.grid).toEqual(g);
            if (alone.ok && (g[0]?.length ?? 0) > 1) expect(alone.format).toBe(format);
            // inside a response, after an echoed input grid in another format
            const response = `Input:\n${formatGrid(echoed, "json")}\n\nHere is my answer:\n\n${text}\n\nDone.`;
            const r = extractGrid(response);
            expect(r.ok && r.grid).toEqual(g);
            if (r.ok) expect(response.slice(r.span.start, r.span.end)).toBe(text.trimStart());
          },
        ),
        { numRuns: 60 },
      );
    });
  }
});
