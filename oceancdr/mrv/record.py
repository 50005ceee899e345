"""What the MRV accounting needs from each snapshot of a paired run, on the host in float64.

:class:`PairRecord` turns the two lanes of a snapshot (intervention minus counterfactual) into
difference maps for mrv.nc and one row of time series: additional air-sea CO2 uptake (the
surface budget term of DIC, accumulated inside the step), alkalinity released, excess
inventories, boundary exports, where the excess carbon sits, losses, side effects and
detectability. Amounts are mol (iron and nickel too), inventories are volume integrals, and every
difference is taken cell by cell, so cells the intervention has not reached contribute exactly 0.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from ..biology import element_weights
from ..interventions.ledger import element_weights as intervention_weights
from ..interventions.ledger import stock_inventory
from ..interventions.olivine import products
from .scenarios import COUNTERFACTUAL, INTERVENTION, lane

MMOL, UMOL = 1e-3, 1e-6


def weight_vector(model, element: str) -> np.ndarray:
    """(ntr,) content of ``element`` per tracer unit: the ecosystem's element weights with the
    ecosystem (else carbon = DIC, alkalinity = TA, iron = Fe), plus the interventions' (olivine)."""
    reg = model.registry
    if model.step_config.biology is not None:
        scalars = {k: float(v) for k, v in model.params.items() if np.ndim(v) == 0}
        weights = element_weights(scalars)[element]
    else:
        weights = {"carbon": {"dic": 1.0}, "alkalinity": {"alk": 1.0}, "iron": {"fe": 1.0}}[element]
    spec = model.step_config.interventions
    if spec is not None:
        weights = weights | intervention_weights(spec, reg, model.cfg).get(element, {})
    return np.array([float(weights.get(n, 0.0)) for n in reg.names])


class PairRecord:
    """Time series and maps of a paired run, snapshot by snapshot (see the module docstring)."""

    def __init__(self, model):
        cfg, g = model.cfg, model.grid
        self.model = model
        self.reg = model.registry
        self.spec = model.step_config.interventions
        self.mrv = cfg.mrv
        self.vol = np.asarray(g.volume, float)
        self.area = np.asarray(g.area, float)
        self.wet = np.asarray(g.mask) > 0
        self.surface_area = float(self.area[self.wet[0]].sum())
        z = np.asarray(g.z_center, float)[:, None, None]
        mld, seq = float(model.params["mixed_layer_depth"]), cfg.mrv.sequestration_depth_m
        self.zones = {"above_mixed_layer": z < mld, "mixed_layer_to_sequestration_depth": (z >= mld) & (z < seq),
                      "below_sequestration_depth": z >= max(seq, mld)}     # exclusive even if seq < mld
        self.carbon = weight_vector(model, "carbon")
        self.biology = model.step_config.biology is not None
        self.olivine_alk = {o.name: products(iv.olivine.forsterite_fraction, 0.0)["alk"]
                            for o in self.spec.olivine for iv in cfg.interventions if iv.name == o.name}
        self.iron = [iv.name for iv in cfg.interventions if iv.type == "iron"]
        self.iron_weights = weight_vector(model, "iron") if self.iron else None
        self.series = defaultdict(list)
        self.days = []
        self.carbon_inventory_mol = 0.0      # the counterfactual's carbon in water and sediment, last snapshot

    # -- helpers -------------------------------------------------------------------------------
    def _i(self, name):
        return self.reg.index(name)

    def _budget(self, s, term, weights):
        """Intervention minus counterfactual of a budget term, weighted per tracer (tracer units m3)."""
        b = np.asarray(s.budget[term], float)
        return float(weights @ (b[INTERVENTION] - b[COUNTERFACTUAL]))

    def _flux(self, s, name):
        """Intervention minus counterfactual of a cumulative column rate, integrated over the area (mmol)."""
        f = np.asarray(s.fluxes[name], float)
        return float(((f[INTERVENTION] - f[COUNTERFACTUAL]) * self.area).sum())

    def _one(self, name):
        w = np.zeros(len(self.reg))
        w[self._i(name)] = 1.0
        return w

    # -- one snapshot --------------------------------------------------------------------------
    def add(self, day: float, s, carb) -> dict:
        """Record the snapshot ``s`` (stacked State of numpy arrays) with its carbonate fields
        ``carb`` (stacked ph, omega_aragonite, pco2, co2_flux); returns the difference maps."""
        row = {}
        c = np.asarray(s.c, float)
        d = c[INTERVENTION] - c[COUNTERFACTUAL]
        wet = self.wet

        def inventory(field, where=True):
            return float((field * self.vol)[wet & where].sum())

        # uptake and alkalinity
        alk, dic = self._one("alk"), self._one("dic")
        row["uptake_mol"] = self._budget(s, "surface", dic) * MMOL
        released = self._budget(s, "added", alk)
        for name, per_mol in self.olivine_alk.items():
            released += self._flux(s, f"{name}_dissolution") * per_mol
        row["alkalinity_released_mol"] = released * MMOL
        row["eta"] = row["uptake_mol"] / row["alkalinity_released_mol"] if row["alkalinity_released_mol"] > 0 else np.nan
        row["excess_alk_mol"] = inventory(d[self._i("alk")]) * MMOL
        row["excess_dic_mol"] = inventory(d[self._i("dic")]) * MMOL
        row["alk_exported_mol"] = -self._budget(s, "boundary", alk) * MMOL
        row["dic_exported_mol"] = -self._budget(s, "boundary", dic) * MMOL

        # excess carbon: where it sits, and its budget
        carbon = np.tensordot(self.carbon, d, axes=1)
        for zone, where in self.zones.items():
            row[f"carbon_{zone}_mol"] = inventory(carbon, where) * MMOL
        row["carbon_water_mol"] = inventory(carbon) * MMOL
        self.carbon_inventory_mol = (inventory(np.tensordot(self.carbon, c[COUNTERFACTUAL], axes=1))
                                     + float(self.carbon @ np.asarray(s.sediment[COUNTERFACTUAL], float).sum((-2, -1))
                                             )) * MMOL
        for name in ("rdoc", "pic"):
            if name in self.reg:
                row[f"carbon_{name}_mol"] = inventory(d[self._i(name)]) * MMOL
        sed = np.asarray(s.sediment, float).sum((-2, -1))
        row["carbon_sediment_mol"] = float(self.carbon @ (sed[INTERVENTION] - sed[COUNTERFACTUAL])) * MMOL
        row["carbon_farm_stocks_mol"] = 0.0
        if self.spec.farms:
            st = [stock_inventory(lane(s, i), self.spec, self.reg) for i in (INTERVENTION, COUNTERFACTUAL)]
            row["carbon_farm_stocks_mol"] = float(self.carbon @ (st[0] - st[1])) * MMOL
        for term in ("burial", "boundary", "external", "added"):
            row[f"carbon_{term}_mol"] = self._budget(s, term, self.carbon) * MMOL
        terms = (row["carbon_water_mol"], row["carbon_sediment_mol"], row["carbon_farm_stocks_mol"],
                 row["carbon_burial_mol"], row["carbon_boundary_mol"], row["uptake_mol"], row["carbon_external_mol"],
                 row["carbon_added_mol"])
        row["carbon_closure_residual_mol"] = (sum(terms[:4]) - sum(terms[4:]))
        row["carbon_closure_scale_mol"] = max(abs(t) for t in terms)

        # processes that respond: ecosystem, precipitation, olivine, iron
        rates = {"primary_production": "primary_production", "export_poc_100m": "export_100m",
                 "export_poc_mld": "export_mixed_layer", "calcification": "calcification",
                 "rdoc_production": "rdoc_production", "secondary_precipitation": "secondary_precipitation"}
        for key, label in rates.items():
            if key in s.fluxes:
                row[f"delta_{label}_mol"] = self._flux(s, key) * MMOL
        for name in self.olivine_alk:
            row[f"{name}_dissolved_mol"] = self._flux(s, f"{name}_dissolution") * MMOL
        if self.iron:
            fe = self._one("fe")
            row["iron_added_mol"] = self._budget(s, "added", fe) * UMOL
            row["iron_dissolved_excess_mol"] = inventory(d[self._i("fe")]) * UMOL
            row["iron_external_mol"] = self._budget(s, "external", fe) * UMOL
            row["iron_exported_mol"] = -self._budget(s, "boundary", fe) * UMOL
            row["iron_water_excess_mol"] = inventory(np.tensordot(self.iron_weights, d, axes=1)) * UMOL
            row["iron_sediment_excess_mol"] = float(self.iron_weights @ (sed[INTERVENTION] - sed[COUNTERFACTUAL])) * UMOL

        # side effects and detectability
        ph, omega = (np.asarray(carb[k], float) for k in ("ph", "omega_aragonite"))
        dph, domega = ph[INTERVENTION] - ph[COUNTERFACTUAL], omega[INTERVENTION] - omega[COUNTERFACTUAL]
        dpco2 = np.asarray(carb["pco2"][INTERVENTION], float) - np.asarray(carb["pco2"][COUNTERFACTUAL], float)
        row["max_delta_ph"] = float(dph[wet].max())
        row["min_delta_ph"] = float(dph[wet].min())
        row["max_delta_omega_aragonite"] = float(domega[wet].max())
        row["max_ph"] = float(ph[INTERVENTION][wet].max())
        row["max_omega_aragonite"] = float(omega[INTERVENTION][wet].max())
        row["min_delta_pco2_uatm"] = float(dpco2[wet[0]].min())
        th = self.mrv.thresholds
        beyond = {"ph_change": dph >= th.ph_change,
                  "ph": (ph[INTERVENTION] >= th.ph) & (ph[COUNTERFACTUAL] < th.ph),
                  "omega_aragonite": (omega[INTERVENTION] >= th.omega_aragonite)
                  & (omega[COUNTERFACTUAL] < th.omega_aragonite)}
        if "ni" in self.reg:
            ni = c[:, self._i("ni")]
            row["max_nickel_umol_m3"] = float(ni[INTERVENTION][wet].max())
            beyond["nickel"] = (ni[INTERVENTION] >= th.nickel_umol_m3) & (ni[COUNTERFACTUAL] < th.nickel_umol_m3)
        if "o2" in self.reg:
            o2 = c[:, self._i("o2")]
            row["min_o2_mmol_m3"] = float(o2[INTERVENTION][wet].min())
            row["min_delta_o2_mmol_m3"] = float(d[self._i("o2")][wet].min())
            beyond["o2"] = (o2[INTERVENTION] < th.o2_mmol_m3) & (o2[COUNTERFACTUAL] >= th.o2_mmol_m3)
        for key, where in beyond.items():
            row[f"area_beyond_{key}_m2"] = float(self.area[wet[0] & where[0]].sum())
            row[f"volume_beyond_{key}_m3"] = float(self.vol[wet & where].sum())
        surface = self.area * wet[0]
        for key, field, precision in (("pco2", dpco2, self.mrv.sensor_precision_pco2_uatm),
                                      ("ph", dph[0], self.mrv.sensor_precision_ph)):
            row[f"detectable_fraction_{key}"] = float(surface[np.abs(field) >= precision].sum() / self.surface_area)

        self.days.append(day)
        for k, v in row.items():
            self.series[k].append(v)

        maps = {"delta_alk": d[self._i("alk")], "delta_dic": d[self._i("dic")], "delta_ph": dph,
                "delta_omega_aragonite": domega, "delta_pco2": dpco2,
                "delta_co2_flux": np.asarray(carb["co2_flux"][INTERVENTION], float)
                - np.asarray(carb["co2_flux"][COUNTERFACTUAL], float)}
        if "airsea_co2" in s.fluxes:
            f = np.asarray(s.fluxes["airsea_co2"], float)
            maps["delta_co2_uptake"] = (f[INTERVENTION] - f[COUNTERFACTUAL]) * MMOL
        return maps | {k: np.float64(v) for k, v in row.items()}

    def arrays(self) -> dict:
        """The time series as numpy arrays (one value per snapshot)."""
        return {k: np.asarray(v) for k, v in self.series.items()}


MAPS = {
    "delta_alk": ("depth", "mmol m-3", "excess total alkalinity (intervention minus counterfactual)"),
    "delta_dic": ("depth", "mmol m-3", "excess dissolved inorganic carbon (intervention minus counterfactual)"),
    "delta_ph": ("depth", "1", "in-situ pH change, total scale (intervention minus counterfactual)"),
    "delta_omega_aragonite": ("depth", "1", "aragonite saturation change (intervention minus counterfactual)"),
    "delta_pco2": ("surface", "uatm", "surface seawater pCO2 change (intervention minus counterfactual)"),
    "delta_co2_flux": ("surface", "mol m-2 s-1", "additional air-sea CO2 flux into the ocean"),
    "delta_co2_uptake": ("surface", "mol m-2", "cumulative additional air-sea CO2 uptake since the start"),
}
UNITS = {"_mol": "mol", "_m2": "m2", "_m3": "m3", "_uatm": "uatm", "_umol_m3": "umol m-3", "_mmol_m3": "mmol m-3"}


def series_units(name: str) -> str:
    """Units of a time series from its name's suffix (dimensionless otherwise)."""
    return next((UNITS[suffix] for suffix in sorted(UNITS, key=len, reverse=True) if name.endswith(suffix)), "1")


def nc_fields(series: list, write_3d: bool) -> dict:
    """Variables of mrv.nc for :class:`oceancdr.io.OutputWriter`: the difference maps (3-D ones as
    their top layer unless ``write_3d``) and every time series."""
    fields = {}
    for name, (kind, units, long_name) in MAPS.items():
        full = kind == "depth" and write_3d
        top = kind == "depth" and not write_3d
        fields[name] = (("depth", "y", "x") if full else ("y", "x"),
                        dict(units=units, long_name=long_name + (", top layer" if top else "")))
    for name in series:
        fields[name] = ((), dict(units=series_units(name), long_name=name.replace("_", " ")))
    return fields


def fit_to(fields: dict, values: dict) -> dict:
    """``values`` cut to the dimensions of ``fields`` (the top layer of 3-D maps written as 2-D)."""
    return {k: values[k][0] if len(dims) == 2 and np.ndim(values[k]) == 3 else values[k]
            for k, (dims, _) in fields.items()}
