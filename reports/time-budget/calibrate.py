#!/usr/bin/env python3
"""Derives TimePlanner's constants from one finished `dna run` folder and the probe measured beside it.

usage: calibrate.py RUN_FOLDER TRAIN_US_PER_IMAGE INFER_US_PER_IMAGE
The probe figures are what `dna bench train --arch <the run's baseline> --batch-size 128 --steps 10` prints
(as images/s; pass 1e6/that), at the same threads and on the same machine as the run.
"""
import json, sys, os

run, t_us, u_us = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
t, u = t_us / 1e6, u_us / 1e6
state = json.load(open(os.path.join(run, "state.json")))["stageSeconds"]
config = json.load(open(os.path.join(run, "config.json")))
space = json.load(open(os.path.join(run, "space.json")))
N = config["data"]["maxTrain"] or 50_000
V, Te = 10_000, config["data"]["maxTest"] or 10_000
E = config["retrainRecipe"]["epochs"]
B, F, R = config["blockRecipe"]["epochs"], config["featureImages"], config["ratingImages"]
calib = config["calibrationBatches"] * config["calibrationBatchSize"]
ops = len(space["ops"])
cand = sum(sum(ops ** d for d in range(b["minLayers"], b["layers"] + 1)) for b in space["blocks"])
L = sum(b["layers"] for b in space["blocks"])

T = state["Teacher"]
a = (T - Te * u - E * V * u) / (E * N * t)
print(f"Teacher {T:.0f} s: TrainingOverhead = {a:.3f}")
print(f"Blocks {state['Blocks']:.0f} s: BlockCost = {state['Blocks'] / (B * F * t):.3f}")
print(f"Rating {state['Rating']:.0f} s: RatingCost = {state['Rating'] / (cand * (R + calib) * u / L):.3f}")
print(f"Features {state['Features']:.0f} s: forecast {(F + R) * u:.0f} s")
print(f"Retrain {state['Retrain']:.0f} s: {state['Retrain'] / T:.3f}x the teacher (the baseline)")
print(f"Search {state.get('Search', 0):.0f} s, Report {state.get('Report', 0):.0f} s, stages total {sum(state.values()):.0f} s")
