// Metric names that more than one package uses: the trainers and the operator write them, the
// dashboard's run list reads them. A metric only its writer uses is named where it is written.

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
