"""Generates the conformance vectors with the upstream Python code (transcribed from TRL f2cd577,
open-r1 1416fa0, verl b178a3c; see ../README.md) run on CPython's `re`, so expected values come from the
peers' own regexes and formulas, not from this package. Standard library only: python3 generate.py"""

import json
import math
import re
import statistics

# ---------------- upstream functions (transcribed) ----------------

def trl_think_format(c):
    return 1.0 if re.match(r"^<think>(?!.*<think>)(.*?)</think>.*$", c, re.DOTALL | re.MULTILINE) else 0.0

def openr1_format(c):
    return 1.0 if re.match(r"^<think>\n.*?\n</think>\n<answer>\n.*?\n</answer>$", c, re.DOTALL | re.MULTILINE) else 0.0

def openr1_tag_count(c):
    n = 0.0
    if c.count("<think>\n") == 1: n += 0.25
    if c.count("\n</think>\n") == 1: n += 0.25
    if c.count("\n<answer>\n") == 1: n += 0.25
    if c.count("\n</answer>") == 1: n += 0.25
    return n

def openr1_reasoning_steps(c):
    pattern = r"(Step \d+:|^\d+\.|\n-|\n\*|First,|Second,|Next,|Finally,)"
    return min(1.0, len(re.findall(pattern, c)) / 3)

def openr1_repetition(c, ngram_size=3, max_penalty=-1.0):
    def zipngram(text, n):
        words = text.lower().split()
        return zip(*[words[i:] for i in range(n)]), words
    if c == "": return 0.0
    ngrams = set(); total = 0
    it, words = zipngram(c, ngram_size)
    if len(words) < ngram_size: return 0.0
    for ng in it:
        ngrams.add(ng); total += 1
    scaling = 1 - len(ngrams) / total
    return scaling * max_penalty

def openr1_code_format(c, lang="python"):
    pattern = rf"^<think>\n.*?\n</think>\n<answer>\n.*?```{lang}.*?```.*?\n</answer>$"
    return 1.0 if re.match(pattern, c, re.DOTALL | re.MULTILINE) else 0.0

def trl_soft_overlong(L, lmax, cache):
    if L <= lmax - cache: return 0.0
    if L <= lmax: return ((lmax - cache) - L) / cache
    return -1.0

def verl_overlong(L, lmax, buf, f=1.0):
    return min(-(L - (lmax - buf)) / buf * f, 0)

def openrlhf_overlong(L, lmax, buf, f=1.0):
    exceed = min(max(L - (lmax - buf), 0), buf)
    return -exceed / buf * f

def gsm8k_extract(s, method="strict"):
    if len(s) > 300: s = s[-300:]
    if method == "strict":
        sol = re.findall("#### (\\-?[0-9\\.\\,]+)", s)
        if len(sol) == 0: return None
        return sol[-1].replace(",", "").replace("$", "")
    ans = re.findall("(\\-?[0-9\\.\\,]+)", s)
    final = None
    if len(ans) == 0: return None
    for final in reversed(ans):
        if final not in ["", "."]: break
    return final

def gsm8k_score(s, gt, method="strict", format_score=0.0, score=1.0):
    a = gsm8k_extract(s, method)
    if a is None: return 0
    return score if a == gt else format_score

def last_boxed_only_string(string):
    idx = string.rfind("\\boxed{")
    if idx < 0: return None
    i = idx; right = None; depth = 0
    while i < len(string):
        if string[i] == "{": depth += 1
        elif string[i] == "}":
            depth -= 1
            if depth == 0: right = i; break
        i += 1
    return string[idx:right + 1] if right is not None else None

def remove_boxed(s):
    left = "\\boxed{"
    assert s[: len(left)] == left
    assert s[-1] == "}"
    return s[len(left):-1]

SUBSTITUTIONS = [("an ", ""), ("a ", ""), (".$", "$"), ("\\$", ""), (r"\ ", ""), (" ", ""), ("mbox", "text"),
                 (",\\text{and}", ","), ("\\text{and}", ","), ("\\text{m}", "\\text{}")]
REMOVED = ["square", "ways", "integers", "dollars", "mph", "inches", "hours", "km", "units", "\\ldots", "sue", "points",
           "feet", "minutes", "digits", "cents", "degrees", "cm", "gm", "pounds", "meters", "meals", "edges", "students",
           "childrentickets", "multiples", "\\text{s}", "\\text{.}", "\\text{\ns}", "\\text{}^2", "\\text{}^3", "\\text{\n}",
           "\\text{}", r"\mathrm{th}", r"^\circ", r"^{\circ}", r"\;", r",\!", "{,}", '"', "\\dots"]

def normalize_final_answer(a):
    a = a.split("=")[-1]
    for b, c in SUBSTITUTIONS: a = a.replace(b, c)
    for e in REMOVED: a = a.replace(e, "")
    a = re.sub(r"(.*?)(\$)(.*?)(\$)(.*)", "$\\3$", a)
    a = re.sub(r"(\\text\{)(.*?)(\})", "\\2", a)
    a = re.sub(r"(\\textbf\{)(.*?)(\})", "\\2", a)
    a = re.sub(r"(\\overline\{)(.*?)(\})", "\\2", a)
    a = re.sub(r"(\\boxed\{)(.*)(\})", "\\2", a)
    a = re.sub(r"(frac)([^{])(.)", "frac{\\2}{\\3}", a)
    a = re.sub(r"(sqrt)([^{])", "sqrt{\\2}", a)
    a = a.replace("$", "")
    if a.replace(",", "").isdigit(): a = a.replace(",", "")
    return a.strip()

def math_dapo_score(s, gt, strict_box_verify=False):
    s = s[-300:]
    if strict_box_verify:
        pred = s[-100:]
        boxed = last_boxed_only_string(pred)
        extracted = remove_boxed(boxed) if boxed is not None else None
        correct = extracted == gt
    else:
        m = re.findall(r"(?i)Answer\s*:\s*([^\n]+)", s)
        extracted = m[-1] if m else "[INVALID]"
        correct = normalize_final_answer(extracted) == normalize_final_answer(gt)
    return {"score": 1.0 if correct else -1.0, "acc": correct}

def cosine(L, max_len, correct, vmin_w=-1.0, vmax_w=-0.5, vmin_c=0.5, vmax_c=1.0, clamp=True):
    progress = min(L / max_len, 1.0) if clamp else L / max_len
    c = math.cos(progress * math.pi)
    lo, hi = (vmin_c, vmax_c) if correct else (vmax_w, vmin_w)
    return lo + 0.5 * (hi - lo) * (1.0 + c)

def adv_grpo(groups, eps, singleton="zero", scale="group"):
    out = []
    flat = [r for g in groups for r in g]
    bstd = statistics.stdev(flat) if len(flat) > 1 else float("nan")
    for g in groups:
        if len(g) == 1:
            out.append([0.0] if singleton == "zero" else [g[0] / (1 + eps)]); continue
        mu = sum(g) / len(g)
        sd = statistics.stdev(g) if scale == "group" else bstd
        out.append([(r - mu) / (sd + eps) if scale != "none" else r - mu for r in g])
    return out

def adv_rloo(groups):
    return [[r * len(g) / (len(g) - 1) - (sum(g) / len(g)) * len(g) / (len(g) - 1) for r in g] if len(g) > 1 else list(g) for g in groups]

# ---------------- vectors ----------------

WELL = "<think>\nreasoning here\n</think>\n<answer>\n42\n</answer>"
FORMAT_CASES = [
    ("well-formed", WELL),
    ("trailing-junk", WELL + "\nPS: ignore the above"),
    ("duplicate-answer-close", WELL + "\n</answer>"),
    ("two-blocks", WELL + "\n" + WELL),
    ("prefilled-think", "reasoning continues\n</think>\nThe answer is 4"),
    ("no-newlines", "<think>x</think><answer>y</answer>"),
    ("empty", ""),
    ("junk-after-close-same-line", WELL + "junk"),
    ("steps", "Step 1: add\nStep 2: carry\n- note\nFinally, done"),
    ("numbered-start", "1. first\n2. second"),
    ("repetitive", "the cat sat the cat sat the cat sat"),
    ("code", "<think>\nplan\n</think>\n<answer>\n```python\nprint(1)\n```\n</answer>"),
    ("code-unclosed", "<think>\nplan\n</think>\n<answer>\n```python\nprint(1)\n</answer>"),
]

def vec_format():
    spec = {"version": 1, "name": "parity-format", "rewards": [
        {"id": "think", "kind": "trl.think_format", "weight": 0},
        {"id": "format", "kind": "open_r1.format", "weight": 1},
        {"id": "tags", "kind": "open_r1.tag_count", "weight": 1},
        {"id": "steps", "kind": "open_r1.reasoning_steps", "weight": 0},
        {"id": "rep", "kind": "open_r1.repetition_penalty", "weight": 0},
        {"id": "code", "kind": "open_r1.code_format", "weight": 0},
    ]}
    samples, expected = [], []
    for name, c in FORMAT_CASES:
        samples.append({"id": name, "completion": c})
        comps = {"think": trl_think_format(c), "format": openr1_format(c), "tags": openr1_tag_count(c),
                 "steps": openr1_reasoning_steps(c), "rep": openr1_repetition(c), "code": openr1_code_format(c)}
        expected.append({"id": name, "reward": comps["format"] + comps["tags"], "components": comps})
    return {"name": "parity-format", "description": "TRL think_format and open-r1 format/tag_count/reasoning_steps/repetition_penalty/code_format on the reference edge cases (expected values from CPython re with the upstream patterns). rep keeps open-r1's -0.0.",
            "spec": spec, "samples": samples, "expected": {"samples": expected}}

def vec_verl():
    cases = [("strict-hit", "so the answer is #### 1,234", "1234"), ("strict-miss", "answer 1234", "1234"),
             ("flex-dot", "it is 1234.", "1234"), ("flex-hit", "so 12 apples then 72", "72"), ("neg", "#### -5", "-5"),
             ("long", "#### 5" + " " * 400, "5")]
    spec = {"version": 1, "name": "parity-verl", "rewards": [
        {"id": "strict", "kind": "verl.gsm8k", "weight": 1},
        {"id": "flexible", "kind": "verl.gsm8k", "params": {"method": "flexible", "formatScore": 0.1}, "weight": 0},
        {"id": "dapo", "kind": "verl.math_dapo", "weight": 0},
    ]}
    dapo_cases = [("dapo-hit", "The final Answer: 42", "42"), ("dapo-frac", "Answer: $\\frac12$", "\\frac{1}{2}"),
                  ("dapo-units", "Answer: 5 dollars", "5"), ("dapo-eq", "Answer: x = 10", "10"),
                  ("dapo-invalid", "no final line", "42"), ("dapo-comma", "answer : 1,000", "1000")]
    samples, expected = [], []
    for name, c, gt in cases + dapo_cases:
        samples.append({"id": name, "completion": c, "answer": gt})
        d = math_dapo_score(c, gt)
        comps = {"strict": gsm8k_score(c, gt), "flexible": gsm8k_score(c, gt, "flexible", 0.1), "dapo": d["score"]}
        expected.append({"id": name, "reward": comps["strict"], "components": comps, "breakdown": {"dapo.acc": 1 if d["acc"] else 0}})
    return {"name": "parity-verl", "description": "verl gsm8k (strict, flexible) and math_dapo.compute_score; expected values from the transcribed upstream Python.",
            "spec": spec, "samples": samples, "expected": {"samples": expected}}

def vec_length():
    lens = [50, 80, 81, 90, 100, 101, 130]
    spec = {"version": 1, "name": "length", "rewards": [
        {"id": "dapo", "kind": "length.overlong", "params": {"maxLength": 100, "buffer": 20, "style": "dapo"}},
        {"id": "verl", "kind": "length.overlong", "params": {"maxLength": 100, "buffer": 20, "style": "verl"}, "weight": 0},
        {"id": "openrlhf", "kind": "length.overlong", "params": {"maxLength": 100, "buffer": 20, "style": "openrlhf"}, "weight": 0},
        {"id": "trl", "kind": "trl.soft_overlong", "params": {"maxCompletionLen": 100, "softPunishCache": 20}, "weight": 0},
        {"id": "cos", "kind": "length.cosine", "params": {"maxLength": 100, "correct": {"field": "correct"}}, "weight": 0},
    ]}
    samples, expected = [], []
    for i, L in enumerate(lens):
        correct = i % 2 == 0
        samples.append({"id": "L%d" % L, "completionIds": list(range(L)), "correct": correct})
        comps = {"dapo": trl_soft_overlong(L, 100, 20), "verl": verl_overlong(L, 100, 20), "openrlhf": openrlhf_overlong(L, 100, 20),
                 "trl": trl_soft_overlong(L, 100, 20), "cos": cosine(L, 100, correct)}
        comps = {k: (0.0 if v == 0 else v) for k, v in comps.items()}
        expected.append({"id": "L%d" % L, "reward": comps["dapo"], "components": comps})
    return {"name": "length", "description": "Soft overlong punishment in the DAPO/TRL, verl/AReaL and OpenRLHF forms (Lmax=100, Lcache=20) and clamped cosine scaling.",
            "spec": spec, "samples": samples, "expected": {"samples": expected}}

def group_vec(name, desc, group, groups_rewards, adv, kept=None):
    spec = {"version": 1, "name": name, "rewards": [{"id": "acc", "kind": "verl.gsm8k", "params": {"score": 1, "formatScore": -1}}], "group": group}
    samples, expected = [], []
    k = 0
    for gi, g in enumerate(groups_rewards):
        for j, r in enumerate(g):
            # "#### 1" scores `score` (1), "#### 0" scores `formatScore` (-1) or with formatScore 0 → 0
            samples.append({"id": k, "completion": "#### %s" % ("1" if r == 1 else "0"), "answer": "1", "group": "g%d" % gi})
            e = {"id": k, "reward": r, "advantage": adv[gi][j]}
            if kept is not None: e["kept"] = kept[gi]
            expected.append(e); k += 1
    return {"name": name, "description": desc, "spec": spec, "samples": samples, "expected": {"samples": expected, "tolerance": 1e-6}}

def vec_groups():
    out = []
    g01 = [[1, 0, 0, 1], [0, 0, 0, 1], [1, 1, 1, 1], [1]]
    for name, desc, eps, single in [
        ("grpo-trl", "TRL GRPO: Bessel std, eps 1e-4, singleton → 0", 1e-4, "zero"),
        ("grpo-verl", "verl GRPO: Bessel std, eps 1e-6, singleton mu=0 sigma=1", 1e-6, "passthrough"),
        ("grpo-openrlhf", "OpenRLHF group_norm: eps 1e-9", 1e-9, "zero"),
        ("grpo-areal", "AReaL group norm: unbiased std, eps 1e-5", 1e-5, "zero"),
    ]:
        v = group_vec(name, desc, {"epsilon": eps, "singleton": single}, g01, adv_grpo(g01, eps, single))
        for s in v["spec"]["rewards"]: s["params"]["formatScore"] = 0
        out.append(v)
    v = group_vec("rloo", "RLOO: r - mean(others); verl keeps singletons", {"estimator": "rloo", "singleton": "passthrough"}, g01, adv_rloo(g01))
    v["spec"]["rewards"][0]["params"]["formatScore"] = 0
    out.append(v)
    v = group_vec("dr-grpo", "Dr.GRPO / scale none: r - mean", {"scale": "none"}, g01, [[r - sum(g) / len(g) for r in g] if len(g) > 1 else [0.0] for g in g01])
    v["spec"]["rewards"][0]["params"]["formatScore"] = 0
    out.append(v)
    pm = [[1, -1, -1, 1], [1, 1, 1, 1], [-1, -1, -1, -1], [1, -1, 1, 1]]
    def pstd(g): return statistics.pstdev(g)
    verl_keep = [len(g) == 1 or pstd(g) > 0 for g in pm]
    out.append(group_vec("filter-verl", "DAPO filter, verl recipe: keep iff population std > 0 or singleton (±1 rewards)",
                         {"epsilon": 1e-6, "singleton": "passthrough", "filter": {"kind": "verl"}}, pm, adv_grpo(pm, 1e-6, "passthrough"), verl_keep))
    orl_keep = [0 < sum(g) / len(g) < 1 for g in pm]
    out.append(group_vec("filter-openrlhf", "DAPO filter, OpenRLHF (0,1) open interval: a mixed ±1 group with mean 0 is dropped",
                         {"epsilon": 1e-9, "filter": {"kind": "openrlhf", "lower": 0, "upper": 1}}, pm, adv_grpo(pm, 1e-9), orl_keep))
    slime_keep = [len(g) > 1 and statistics.stdev(g) > 1e-6 for g in pm]
    out.append(group_vec("filter-slime", "DAPO filter, slime: unbiased std > 1e-6", {"epsilon": 1e-6, "filter": {"kind": "slime"}}, pm, adv_grpo(pm, 1e-6), slime_keep))
    return out

def vec_fuzz():
    """Seeded random strings over pieces that exercise the quirks (regex anchors, LaTeX normalisation)."""
    import random
    rnd = random.Random(20260801)
    pieces = ["<think>", "</think>", "<answer>", "</answer>", "\n", "x", " ", "```python", "```", "Step 2:", "1.",
              "\n-", "\n*", "First,", "Next,", "#### ", "-", "12", "3,456", ".", "$", "Answer:", "answer :", "ANSWER: ",
              "\\boxed{", "}", "{", "\\frac12", "\\frac{1}{2}", "\\sqrt3", "\\text{cm}", "\\text{ and }", "=",
              " dollars", "\\dfrac34", "x = ", "\\overline{7}", "^\\circ", "\\!", "an ", "a ", "\u00e9", "\U0001F600"]
    spec = {"version": 1, "name": "parity-fuzz", "rewards": [
        {"id": "think", "kind": "trl.think_format", "weight": 0},
        {"id": "format", "kind": "open_r1.format", "weight": 0},
        {"id": "tags", "kind": "open_r1.tag_count", "weight": 0},
        {"id": "steps", "kind": "open_r1.reasoning_steps", "weight": 0},
        {"id": "rep", "kind": "open_r1.repetition_penalty", "params": {"ngramSize": 2}, "weight": 0},
        {"id": "code", "kind": "open_r1.code_format", "weight": 0},
        {"id": "strict", "kind": "verl.gsm8k", "weight": 0},
        {"id": "flexible", "kind": "verl.gsm8k", "params": {"method": "flexible"}, "weight": 0},
        {"id": "dapo", "kind": "verl.math_dapo", "weight": 1},
    ]}
    samples, expected = [], []
    golds = ["12", "3456", "\\frac{1}{2}", "7", "-", "x"]
    for i in range(300):
        c = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 40)))
        c = c.encode("utf-8").decode("unicode_escape") if False else c.replace("\\n", "\n")
        gt = rnd.choice(golds).replace("\\\\", "\\")
        samples.append({"id": i, "completion": c, "answer": gt})
        d = math_dapo_score(c, gt)
        comps = {"think": trl_think_format(c), "format": openr1_format(c), "tags": openr1_tag_count(c),
                 "steps": openr1_reasoning_steps(c), "rep": openr1_repetition(c, 2), "code": openr1_code_format(c),
                 "strict": gsm8k_score(c, gt), "flexible": gsm8k_score(c, gt, "flexible"), "dapo": d["score"]}
        expected.append({"id": i, "reward": d["score"], "components": comps, "breakdown": {"dapo.acc": 1 if d["acc"] else 0}})
    return {"name": "parity-fuzz", "description": "300 seeded random completions over quirk-triggering pieces; every parity kind against the transcribed upstream Python on CPython re.",
            "spec": spec, "samples": samples, "expected": {"samples": expected}}

def main():
    vectors = [vec_format(), vec_verl(), vec_length(), vec_fuzz()] + vec_groups()
    for v in vectors:
        with open("%s.json" % v["name"], "w") as f:
            json.dump(v, f, indent=1)
            f.write("\n")
    print("wrote %d vectors" % len(vectors))

if __name__ == "__main__":
    main()
