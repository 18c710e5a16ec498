"""Runs against a live server: RLOPS_REWARDS_URL must point at one serving test/fixtures/client-spec.yaml."""

import math
import os
import unittest

import rlops_rewards as rr

WELL = "<|channel|>analysis<|message|>think<|end|><|start|>assistant<|channel|>final<|message|>#### 4<|return|>"


class ClientTest(unittest.TestCase):
    def setUp(self):
        self.url = os.environ["RLOPS_REWARDS_URL"]
        self.client = rr.RewardClient(self.url, retries=1, backoff=0.05)

    def test_health_and_spec(self):
        self.assertTrue(self.client.health()["ok"])
        self.assertEqual(self.client.spec()["name"], "client-test")

    def test_trl_reward_func(self):
        f = rr.make_reward_func(self.url)
        self.assertEqual(f.__name__, "rlops_rewards")
        out = f(prompts=["q1", "q2", "q3"], completions=[[{"role": "assistant", "content": WELL}], "#### 5", "plain"],
                answer=["4", "4", None], data_source=["gsm", "gsm", "other"], trainer_state=None)
        self.assertEqual(len(out), 3)
        self.assertAlmostEqual(out[0], 1.5)  # gsm8k 1 + 0.5 * channels 1
        self.assertAlmostEqual(out[1], 0.5 * 2 / 8)
        self.assertIsNone(out[2])  # no reward applies → None (TRL NaN), never a fake 0

    def test_verl_compute_score(self):
        r = rr.compute_score("gsm", WELL, "4", url=self.url)
        self.assertAlmostEqual(r["score"], 1.5)
        self.assertEqual(r["gsm"], 1.0)
        with self.assertRaises(rr.RewardServerError):
            rr.compute_score("other", "plain", None, url=self.url)

    def test_openrlhf_shape(self):
        r = self.client.get_reward(query=["Q" + WELL, "Q#### 3"], prompts=["Q", "Q"], labels=["4", "3"])
        self.assertEqual(sorted(r.keys()), ["extra_logs", "rewards", "scores"])
        self.assertEqual(len(r["rewards"]), 2)
        self.assertTrue(all(0.0 <= s <= 1.0 for s in r["scores"]))
        self.assertEqual(r["rewards"], [1, 1])
        self.assertEqual(r["extra_logs"]["gsm"], [1, 1])
        self.assertFalse(any(isinstance(x, float) and math.isnan(x) for x in r["rewards"]))

    def test_bad_request_raises_without_retry(self):
        with self.assertRaises(rr.RewardServerError) as ctx:
            self.client.get_reward(query=["a", "b"], prompts=["only one"])
        self.assertEqual(ctx.exception.status, 400)

    def test_group_scoring(self):
        r = self.client.score([{"completion": "#### 4", "answer": "4", "dataSource": "gsm"},
                               {"completion": "#### 1", "answer": "4", "dataSource": "gsm"}], group_size=2)
        self.assertEqual(len(r["groups"]), 1)
        adv = [s["advantage"] for s in r["samples"]]
        self.assertAlmostEqual(adv[0], -adv[1])


if __name__ == "__main__":
    unittest.main()
