// Metric names that more than one package reads: the trainers and the operator write them, the
// dashboard's run list and the demo read them. A metric only its writer reads is named where it is
// written. No imports, so the dashboard's web app can take it too.

export const METRIC = {
  trainLoss: "train/loss",
  evalLoss: "eval/loss",
  /** Greedy accuracy on held-out problems, in training runs (pretraining, SFT, RL). */
  evalAccuracy: "eval/accuracy",
  rlReward: "rl/reward_mean",
  /** The share of this step's RL rollouts that were right. */
  rlAccuracy: "rl/accuracy",
  operateSuccess: "operate/success_rate",
} as const;
export type MetricName = (typeof METRIC)[keyof typeof METRIC];
