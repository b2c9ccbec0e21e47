"""The live supervisor view: lines against their targets, points, alerts and who could help."""
