"""Not collected by pytest (no test_ prefix). Runs against a live server (unittest, standard library only): RLOPS_REWARDS_URL must point at one
serving packages/rewards/test/fixtures/client-spec.yaml. Started by packages/rewards/test/server.test.ts."""

import math
import os
import unittest

from rlops import errors
from rlops._http import RewardClient
from rlops.trl import reward_funcs
from rlops.verl import compute_score

WELL = "<|channel|>analysis<|message|>think<|end|><|start|>assistant<|channel|>final<|message|>#### 4<|return|>"
URL = os.environ.get("RLOPS_REWARDS_URL")


@unittest.skipUnless(URL, "RLOPS_REWARDS_URL is not set (server.test.ts sets it)")
class LiveServerTest(unittest.TestCase):
    def setUp(self):
        self.client = RewardClient(URL, retries=1, backoff=0.05)

    def test_health_and_spec(self):
        self.assertTrue(self.client.check_version()["ok"])
        self.assertEqual(self.client.spec()["name"], "client-test")

    def test_trl_reward_funcs(self):
        funcs = reward_funcs(None, url=URL)
        self.assertEqual([f.__name__ for f in funcs], ["gsm", "channels"])
        kwargs = dict(prompts=["q1", "q2", "q3"], completions=[[{"role": "assistant", "content": WELL}], "#### 5", "plain"],
                      answer=["4", "4", None], data_source=["gsm", "gsm", "other"], trainer_state=None)
        gsm, channels = [f(**kwargs) for f in funcs]
        self.assertEqual(gsm[0], 1.0)
        self.assertEqual(channels[2], None)  # not applicable -> None (TRL NaN), never a fake 0

    def test_verl_compute_score(self):
        r = compute_score("gsm", WELL, "4", url=URL)
        self.assertAlmostEqual(r["score"], 1.5)
        self.assertEqual(r["gsm"], 1.0)
        with self.assertRaises(errors.RewardError):
            compute_score("other", "plain", None, url=URL)

    def test_openrlhf_shape(self):
        r = self.client.get_reward(query=["Q" + WELL, "Q#### 3"], prompts=["Q", "Q"], labels=["4", "3"])
        self.assertEqual(sorted(r.keys()), ["extra_logs", "rewards", "scores"])
        self.assertEqual(r["rewards"], [1, 1])
        self.assertFalse(any(isinstance(x, float) and math.isnan(x) for x in r["rewards"]))

    def test_bad_request_raises_without_retry(self):
        with self.assertRaises(errors.RlopsError) as ctx:
            self.client.get_reward(query=["a", "b"], prompts=["only one"])
        self.assertEqual(getattr(ctx.exception, "status", None) or ctx.exception.details.get("status"), 400)

    def test_group_scoring(self):
        r = self.client.score([{"completion": "#### 4", "answer": "4", "dataSource": "gsm"},
                               {"completion": "#### 1", "answer": "4", "dataSource": "gsm"}], group_size=2)
        self.assertEqual(len(r["groups"]), 1)
        adv = [s["advantage"] for s in r["samples"]]
        self.assertAlmostEqual(adv[0], -adv[1])


if __name__ == "__main__":
    unittest.main()
