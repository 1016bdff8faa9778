"""Student t 0.975 quantiles, for 95 % intervals over a few seeds or a fit's few points; one table, read by
the probes' intervals and the learning curves' slope intervals."""

# by degrees of freedom 1..20; beyond 20 the 20's (slightly wide, never narrow)
T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
       2.120, 2.110, 2.101, 2.093, 2.086)


def t95(dof: int) -> float:
    if dof < 1:
        raise ValueError("a t quantile needs one or more degrees of freedom")
    return T95[min(dof, len(T95)) - 1]
