"""int8 recipes and calibration on real speech (installed as `f3edge.quantization`)."""
