"""Configuration schema, loading, ``--set`` overrides and errors that name the key.

A run is described by one YAML file. Every section is a pydantic model with ``extra="forbid"``, so
an unknown or misspelt key is an error, not a silent default. :func:`load_config` returns a
validated :class:`Config`; any problem raises :class:`ConfigError` whose message is one line naming
the dotted key and what to change. Units are in the key names where they are not SI.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

PositiveFloat = Annotated[float, Field(gt=0)]
NonNegFloat = Annotated[float, Field(ge=0)]


class ConfigError(ValueError):
    """A user-fixable problem with a configuration: the message names the key and the fix."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


class RunConfig(_Section):
    days: PositiveFloat = 60.0
    dt_seconds: PositiveFloat = 600.0
    start: str = Field("2025-01-01", pattern=r"^\d{4}-\d{2}-\d{2}$", description="start date YYYY-MM-DD")
    progress: bool = True


class GridConfig(_Section):
    type: Literal["coastal", "bathymetry", "box"] = Field(
        "coastal", description="coastal: the embedded idealised coast; bathymetry: from grid.file; box: a flat "
        "basin of depth_max_m (one cell with nx = ny = nz = 1: a well-mixed box)")
    nx: int = Field(40, ge=1, le=4096, description="cells across shore (x, eastward)")
    ny: int = Field(60, ge=1, le=4096, description="cells along shore (y, northward)")
    nz: int = Field(15, ge=1, le=200, description="vertical levels")
    dx_m: PositiveFloat = 2000.0
    dy_m: PositiveFloat = 2000.0
    depth_max_m: PositiveFloat = 600.0
    dz_surface_m: PositiveFloat = 5.0
    hfac_min: float = Field(0.2, gt=0, le=1, description="smallest partial bottom cell fraction")
    # idealised coast
    coast_km: NonNegFloat = 6.0
    headland_km: NonNegFloat = 8.0
    headland_width_km: PositiveFloat = 20.0
    coast_depth_m: PositiveFloat = 8.0
    shelf_depth_m: PositiveFloat = 120.0
    shelf_width_km: PositiveFloat = 30.0
    slope_width_km: PositiveFloat = 15.0
    lon0: float = Field(-124.5, ge=-180, le=360)
    lat0: float = Field(44.0, ge=-90, le=90)
    open_boundaries: list[Literal["north", "south", "east", "west"]] = ["north", "south", "east"]
    # from a bathymetry file
    file: str | None = Field(None, description="bathymetry netCDF (grid.type bathymetry); nx, ny from the file")
    depth_var: str = "Bathymetry"
    lon_var: str = "nav_lon"
    lat_var: str = "nav_lat"
    coarsen: int = Field(1, ge=1, le=64, description="block-average factor for grid.file")

    @model_validator(mode="after")
    def _file_needed(self):
        if self.type == "bathymetry" and not self.file:
            raise ValueError("grid.type 'bathymetry' needs grid.file (a netCDF with depth, lon, lat)")
        if self.dz_surface_m * self.nz > self.depth_max_m * 1.0000001:
            raise ValueError(
                f"dz_surface_m*nz = {self.dz_surface_m * self.nz:g} m exceeds depth_max_m "
                f"= {self.depth_max_m:g} m; lower dz_surface_m or raise depth_max_m"
            )
        return self


class CirculationConfig(_Section):
    type: Literal["coastal", "potential", "file", "none"] = Field(
        "coastal", description="coastal: jet, tide and upwelling of the idealised coast; potential: a depth-uniform "
        "current along potential_axis that follows any coastline (potential flow); file: u, v from a netCDF")
    alongshore_speed_m_s: float = Field(0.15, ge=-3, le=3, description="jet speed, + = northward; potential: mean "
                                        "speed over the wet volume, + = towards +potential_axis")
    potential_axis: Literal["x", "y"] = Field("y", description="potential: the grid axis of the far-field current "
                                              "(x: along grid columns, eastward on a plane grid; y: northward)")
    jet_offshore_km: PositiveFloat = 25.0
    jet_width_km: PositiveFloat = 15.0
    jet_decay_depth_m: PositiveFloat = 150.0
    upwelling_transport_m2_s: float = Field(0.6, ge=-10, le=10, description="Ekman transport, + = offshore")
    upwelling_seasonal_amplitude: float = Field(1.0, ge=0, le=10, description="relative to the mean")
    upwelling_peak_day: float = Field(200.0, ge=0, le=366)
    ekman_depth_m: PositiveFloat = 20.0
    return_depth_m: PositiveFloat = 80.0
    upwelling_width_km: PositiveFloat = 10.0
    tidal_speed_m_s: float = Field(0.05, ge=0, le=3, description="coastal: tidal current; potential: "
                                   "tidal amplitude of the current's mean speed over the wet volume")
    tidal_period_hours: PositiveFloat = 12.4206
    kh_m2_s: NonNegFloat = 20.0
    kv_background_m2_s: NonNegFloat = 1e-5
    kv_mixed_layer_m2_s: NonNegFloat = 1e-2
    mixed_layer_depth_m: PositiveFloat = 20.0
    file: str | None = Field(None, description="netCDF of velocities (format below)")
    format: Literal["grid", "roms", "fvcom"] = Field(
        "grid", description="circulation.file: grid: u, v (m/s) at cell centres on the model grid, dims (time?, z, y, "
        "x); roms: ROMS surface currents (u_sur, v_sur, angle; applied over mixed_layer_depth_m); fvcom: FVCOM u, v "
        "on its unstructured sigma mesh; both regridded by oceancdr.readers")
    u_var: str = "u"
    v_var: str = "v"

    @model_validator(mode="after")
    def _file_needed(self):
        if self.type == "file" and not self.file:
            raise ValueError("circulation.type 'file' needs circulation.file (a netCDF with u, v)")
        return self


class BottlesConfig(_Section):
    """Initial (and, with boundary: initial, open-boundary) profiles from hydrographic bottles."""

    file: str = Field(description="WHP-exchange bottle CSV (a path relative to the config, or inside oceancdr/data)")
    lon: float = Field(ge=-180, le=360, description="centre of the stations used, degrees east")
    lat: float = Field(ge=-90, le=90, description="centre of the stations used, degrees north")
    radius_km: PositiveFloat = Field(50.0, description="use the good (flag 2) bottles of stations within this distance")


class HydrographyConfig(_Section):
    bottles: BottlesConfig | None = Field(None, description="depth profiles of temperature, salinity, dic, alk, "
                                          "no3, po4, sio4 and o2 from bottles (replacing the surface/deep values "
                                          "below for those tracers; the rest keep them)")
    from_circulation_file: bool = Field(False, description="initial (and boundary) temperature and salinity from "
                                        "circulation.file (format fvcom) at run.start, regridded; wet cells the "
                                        "file does not cover take the nearest covered value of their layer")
    surface_temperature_c: float = Field(13.0, ge=-2, le=40)
    deep_temperature_c: float = Field(6.0, ge=-2, le=40)
    thermocline_depth_m: PositiveFloat = 40.0
    seasonal_sst_amplitude_c: float = Field(3.0, ge=0, le=20)
    warmest_day: float = Field(230.0, ge=0, le=366)
    surface_salinity: float = Field(32.5, ge=0, le=45)
    deep_salinity: float = Field(34.0, ge=0, le=45)
    sst_restoring_m_per_day: NonNegFloat = Field(1.0, description="piston velocity of SST restoring")
    sss_restoring_m_per_day: NonNegFloat = Field(1.0, description="piston velocity of SSS restoring (only with a "
                                                 "salinity column in surface_series.file)")
    surface_dic_mmol_m3: NonNegFloat = 2030.0
    deep_dic_mmol_m3: NonNegFloat = 2300.0
    surface_alk_mmol_m3: NonNegFloat = 2250.0
    deep_alk_mmol_m3: NonNegFloat = 2330.0
    # ecosystem tracers (biology.enabled): medians of the WCOA2013 bottles at 42-46 N (August 2013),
    # 0-10 dbar and 400-600 dbar; iron: typical California Current shelf-break values (no bottle data)
    surface_no3_mmol_m3: NonNegFloat = 4.8
    deep_no3_mmol_m3: NonNegFloat = 41.0
    surface_po4_mmol_m3: NonNegFloat = 0.7
    deep_po4_mmol_m3: NonNegFloat = 3.0
    surface_sio4_mmol_m3: NonNegFloat = 4.3
    deep_sio4_mmol_m3: NonNegFloat = 80.0
    surface_fe_umol_m3: NonNegFloat = 0.5
    deep_fe_umol_m3: NonNegFloat = 1.5
    surface_o2_mmol_m3: NonNegFloat = 294.0
    deep_o2_mmol_m3: NonNegFloat = 30.0


class AtmosphereConfig(_Section):
    airsea_co2: bool = Field(True, description="air-sea CO2 exchange (needs dic, alk, temperature, salinity)")
    xco2_ppm: float | Literal["mauna_loa", "global"] = Field(
        420.0, description="dry-air CO2 mole fraction: a constant (ppm) or a NOAA record interpolated in time")
    wind_speed_m_s: float = Field(7.0, ge=0, le=60, description="RMS 10-m wind, so <U10^2> = wind_speed^2")
    pressure_atm: float = Field(1.0, gt=0.5, le=1.5, description="sea-level pressure")
    ice_fraction: float = Field(0.0, ge=0, le=1)
    gas_transfer_scale: NonNegFloat = Field(1.0, description="multiplier on the W14 transfer velocity")
    wind_speed_scale: NonNegFloat = Field(1.0, description="multiplier on the wind (constant or series) of gas "
                                          "exchange; ensembles perturb it as a forcing uncertainty")


class BiologyConfig(_Section):
    """The ecosystem (oceancdr.biology): switches and parameter overrides. Enabling it adds the
    ecosystem tracers that ``tracers`` does not list, with hydrography profiles or typical values."""

    enabled: bool = Field(False, description="run the ecosystem (needs temperature, salinity, dic, alk)")
    grazing: bool = Field(True, description="zooplankton grazing, excretion and mortality")
    mcp: bool = Field(True, description="microbial carbon pump: DOC to refractory DOC")
    calcite: bool = Field(True, description="CaCO3 production and dissolution (3-D carbonate solve each step)")
    iron_scavenging: bool = Field(True, description="scavenging of free iron")
    dust: bool = Field(True, description="soluble dust iron at the surface")
    sediment: bool = Field(True, description="sediment remineralisation, dissolution and burial")
    sediment_iron: bool = Field(True, description="iron release from sediment remineralisation")
    oxygen_airsea: bool = Field(True, description="air-sea O2 exchange")
    parameters: dict[str, float] = Field(default_factory=dict,
                                         description="overrides of the biology parameters (docs/biology.md)")

    @model_validator(mode="after")
    def _known_parameters(self):
        from .biology.parameters import PARAMETERS

        _check_parameters(self.parameters, PARAMETERS, "biology")
        return self


class SurfaceSeriesConfig(_Section):
    """Observed surface forcing (a mooring, a buoy): a CSV with a ``time`` column (ISO 8601, UTC) and
    any of ``temperature_c`` (SST restoring target, degC), ``salinity`` (SSS restoring target) and
    ``wind_speed_m_s`` (10-m wind for gas exchange, m s-1), interpolated linearly in time."""

    file: str | None = Field(None, description="CSV with time and any of temperature_c, salinity, wind_speed_m_s "
                                               "(a path relative to the config, or inside oceancdr/data); it must "
                                               "cover run.start to run.start + run.days")


class ExchangeConfig(_Section):
    """Lateral exchange of a box with its surroundings (oceancdr.exchange): DIC and TA relax toward a
    mixture of ocean and river end-members at the cell's own salinity."""

    enabled: bool = Field(False, description="relax dic and alk toward the salinity-mixing end-member")
    timescale_days: PositiveFloat = Field(5.0, description="relaxation (flushing) timescale")
    ocean_salinity: float = Field(32.0, gt=0, le=45, description="salinity of the ocean end-member")
    ocean_dic_umol_kg: NonNegFloat = Field(2000.0, description="DIC of the ocean end-member")
    ocean_alk_umol_kg: NonNegFloat = Field(2180.0, description="TA of the ocean end-member")
    river_dic_umol_kg: NonNegFloat = Field(600.0, description="DIC of the river end-member (salinity 0)")
    river_alk_umol_kg: NonNegFloat = Field(500.0, description="TA of the river end-member (salinity 0)")


class ProductionConfig(_Section):
    """Prescribed net community production (oceancdr.exchange) in place of the ecosystem:
    NCP(t) = mean + amplitude cos(2 pi (day of year - peak_day) / 365.25) in every wet cell."""

    enabled: bool = Field(False, description="prescribed NCP (needs biology.enabled: false)")
    mean_mmol_m3_d: float = Field(0.0, ge=-1000, le=1000, description="annual mean NCP, mmol C m-3 d-1 "
                                  "(negative: net heterotrophy)")
    amplitude_mmol_m3_d: float = Field(0.0, ge=0, le=1000, description="seasonal amplitude, mmol C m-3 d-1")
    peak_day: float = Field(150.0, ge=0, le=366, description="day of year of the NCP maximum")


class InitialBlob(_Section):
    """A Gaussian patch added on top of a tracer's background value."""

    x_km: float
    y_km: float
    radius_km: PositiveFloat
    depth_m: NonNegFloat = 0.0
    thickness_m: PositiveFloat = 10.0
    amplitude: float


class TracerConfig(_Section):
    initial: float | Literal["hydrography"] = Field(
        0.0, description="a constant, or the hydrography profile (temperature, salinity, dic, alk, no3, "
                         "po4, sio4, fe, o2)")
    blob: InitialBlob | None = None
    boundary: float | Literal["initial"] = Field(
        "initial", description="inflow value at open boundaries: a constant, or the initial edge values")
    sinking_m_per_day: NonNegFloat = 0.0
    units: str | None = None
    long_name: str | None = None


class NumericsConfig(_Section):
    limiter: Literal["superbee", "mc"] = "superbee"
    max_courant: float = Field(0.8, gt=0, le=1.0, description="largest Courant number allowed per sub-step")
    substeps: Union[Literal["auto"], Annotated[int, Field(ge=1, le=1000)]] = Field(
        "auto", description="transport sub-steps per step: auto (from the CFL bound) or a number")
    max_substeps: int = Field(16, ge=1, le=1000)
    blowup_threshold: PositiveFloat = Field(1e12, description="stop when any |tracer| exceeds this")


class OutputConfig(_Section):
    every_hours: PositiveFloat = Field(24.0, description="interval between snapshots in output.nc")
    dtype: Literal["float32", "float64"] = "float32"
    restart: bool = Field(True, description="write restart.nc at the end (and on failure)")


class FootprintConfig(_Section):
    """Where an intervention acts horizontally (oceancdr.interventions.footprint)."""

    shape: Literal["point", "patch", "polygon", "track"] = Field(
        ..., description="a point (one cell), a Gaussian patch, a polygon or a ship track of waypoints")
    units: Literal["km", "degrees"] = Field("km", description="coordinates: grid km (x, y) or degrees (lon, lat)")
    center: tuple[float, float] | None = Field(None, description="point or patch centre [x, y]")
    radius_km: PositiveFloat = Field(5.0, description="patch e-folding radius (the patch ends at 3 radii)")
    vertices: list[tuple[float, float]] | None = Field(None, description="polygon corners or track waypoints [[x, y], ...]")
    width_km: PositiveFloat = Field(1.0, description="track width (the ship's mixing wake)")

    @model_validator(mode="after")
    def _points(self):
        if self.shape in ("point", "patch") and self.center is None:
            raise ValueError(f"a {self.shape} footprint needs center: [x, y]")
        need = {"polygon": 3, "track": 2}.get(self.shape, 0)
        if need and len(self.vertices or []) < need:
            raise ValueError(f"a {self.shape} footprint needs at least {need} vertices [[x, y], ...]")
        return self


class AmountConfig(_Section):
    """How much material: a total over the schedule or a rate per day (constant schedules)."""

    total: NonNegFloat | None = None
    rate_per_day: NonNegFloat | None = None
    unit: Literal["mol", "kmol", "Mmol", "g", "kg", "t"] = Field("t", description="mass or moles of material")

    @model_validator(mode="after")
    def _one(self):
        if (self.total is None) == (self.rate_per_day is None):
            raise ValueError("give exactly one of total or rate_per_day")
        return self


class ScheduleConfig(_Section):
    """When: constant rate from start_day to end_day, pulses at pulses_day, or one pulse at start_day."""

    start_day: NonNegFloat = 0.0
    end_day: PositiveFloat | None = Field(None, description="end of a constant-rate release; bivalve farms: harvest")
    pulses_day: list[NonNegFloat] | None = Field(None, description="days of equal pulses (instead of a constant rate)")

    @model_validator(mode="after")
    def _order(self):
        if self.end_day is not None and self.end_day <= self.start_day:
            raise ValueError(f"end_day ({self.end_day:g}) must be after start_day ({self.start_day:g})")
        if self.pulses_day and self.end_day is not None:
            raise ValueError("give either pulses_day or end_day, not both")
        return self


class OlivineConfig(_Section):
    """Olivine feedstock: grain-size classes and composition (SCIENCE.md section 5)."""

    grain_diameters_um: list[PositiveFloat] = Field([1.0, 10.0, 100.0], min_length=1, max_length=8)
    mass_fractions: list[NonNegFloat] | None = Field(None, description="share of the mass in each class (default equal)")
    forsterite_fraction: float = Field(0.9, ge=0, le=1, description="Fo fraction; the rest is fayalite (releases Fe)")
    nickel_ppm: float = Field(3000.0, ge=0, le=1e5, description="nickel content by mass (about 0.3 wt%)")

    @model_validator(mode="after")
    def _fractions(self):
        if self.mass_fractions is not None:
            if len(self.mass_fractions) != len(self.grain_diameters_um):
                raise ValueError("mass_fractions needs one value per grain diameter")
            if abs(sum(self.mass_fractions) - 1.0) > 1e-9:
                raise ValueError(f"mass_fractions must sum to 1 (they sum to {sum(self.mass_fractions):g})")
        if len(set(self.grain_diameters_um)) != len(self.grain_diameters_um):
            raise ValueError("grain_diameters_um must be distinct")
        return self


class FarmConfig(_Section):
    """A bivalve farm's stock (SCIENCE.md section 7); the schedule gives stocking and harvest days."""

    stocking_density_m2: NonNegFloat = Field(100.0, description="individuals per m2 of farm footprint")
    initial_dry_weight_g: PositiveFloat = Field(0.5, description="dry tissue weight of a seeded animal")


class InterventionConfig(_Section):
    """One intervention (docs/interventions.md)."""

    name: str = Field(..., description="identifier used in tracer names, params and reports")
    type: Literal["alkalinity", "olivine", "iron", "bivalve_farm"]
    material: str | None = Field(None, description="alkalinity: NaOH, Ca(OH)2, Mg(OH)2, CaO, MgO; iron: Fe, "
                                                    "FeSO4, FeSO4.7H2O, FeCl3; olivine: olivine")
    amount: AmountConfig | None = None
    footprint: FootprintConfig
    depth_m: tuple[NonNegFloat, NonNegFloat] | Literal["seabed"] = Field(
        (0.0, 5.0), description="[top, bottom] depth range (equal: one depth) or seabed (olivine: in the sediment)")
    schedule: ScheduleConfig = ScheduleConfig()
    olivine: OlivineConfig | None = None
    farm: FarmConfig | None = None

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data):
        """Olivine's material and feedstock, a farm's stock: filled in when not given."""
        if isinstance(data, dict):
            kind = data.get("type")
            if kind == "olivine":
                data = {"material": "olivine", "olivine": {}} | {k: v for k, v in data.items() if v is not None}
            elif kind == "bivalve_farm":
                data = {"farm": {}} | {k: v for k, v in data.items() if v is not None}
        return data

    @model_validator(mode="after")
    def _consistent(self):
        from .interventions.materials import MATERIALS

        if not self.name.isidentifier():
            raise ValueError(f"name {self.name!r} must be a plain identifier (letters, digits, _)")
        if isinstance(self.depth_m, tuple) and self.depth_m[1] < self.depth_m[0]:
            raise ValueError("depth_m: [top, bottom] with top <= bottom")
        if self.type == "bivalve_farm":
            if self.amount is not None or self.material is not None:
                raise ValueError("a bivalve_farm has farm.stocking_density_m2 instead of amount and material")
            if self.depth_m == "seabed":
                raise ValueError("depth_m: a bivalve farm hangs in a depth range [top, bottom]")
            if self.schedule.pulses_day:
                raise ValueError("schedule: a farm is stocked on start_day and harvested on end_day (no pulses)")
            return self
        if self.amount is None:
            raise ValueError(f"a {self.type} intervention needs amount: {{total: ..., unit: ...}}")
        if self.amount.rate_per_day is not None and self.schedule.end_day is None:
            raise ValueError("amount.rate_per_day needs schedule.end_day (a constant-rate release)")
        if self.type == "olivine":
            if self.material != "olivine":
                raise ValueError("material: an olivine intervention's material is olivine")
            return self
        allowed = [k for k, m in MATERIALS.items() if m.kind == self.type]
        if self.material not in allowed:
            raise ValueError(f"material {self.material!r}: a {self.type} intervention takes one of {allowed}")
        if self.type == "iron" and self.depth_m == "seabed":
            raise ValueError("depth_m: iron is released in the water, give [top, bottom]")
        return self


class InterventionSettings(_Section):
    """Processes and parameters shared by all interventions."""

    secondary_precipitation: bool = Field(True, description="CaCO3 precipitation above an Omega_aragonite "
                                                            "threshold when alkalinity or olivine is added")
    parameters: dict[str, float] = Field(default_factory=dict,
                                         description="overrides of the intervention parameters (docs/interventions.md)")

    @model_validator(mode="after")
    def _known(self):
        from .interventions.parameters import PARAMETERS

        _check_parameters(self.parameters, PARAMETERS, "interventions")
        return self


class ThresholdConfig(_Section):
    """Side-effect limits: the MRV report gives the area and volume beyond each."""

    ph_change: PositiveFloat = Field(0.2, description="pH rise over the counterfactual (US EPA marine criterion: "
                                     "no more than 0.2 units outside the natural range)")
    ph: float = Field(8.5, ge=6, le=12, description="in-situ pH (US EPA marine criterion upper bound 8.5)")
    omega_aragonite: PositiveFloat = Field(5.0, description="aragonite saturation (onset of secondary "
                                           "precipitation, Moras et al. 2022)")
    nickel_umol_m3: PositiveFloat = Field(140.0, description="olivine-derived dissolved Ni (US EPA saltwater "
                                          "chronic criterion 8.2 ug/L = 140 umol m-3)")
    o2_mmol_m3: NonNegFloat = Field(62.5, description="O2 below this is hypoxic (2 mg/L)")


class MrvConfig(_Section):
    """Settings of ``oceancdr mrv`` (see docs/mrv.md)."""

    sensor_precision_pco2_uatm: PositiveFloat = Field(2.0, description="detectability: surface pCO2 change a "
                                                      "sensor resolves")
    sensor_precision_ph: PositiveFloat = Field(0.003, description="detectability: surface pH change a sensor resolves")
    sequestration_depth_m: PositiveFloat = Field(1000.0, description="durability: carbon below this depth counts "
                                                 "as sequestered for ~100 years (Siegel et al. 2021)")
    lifecycle_emissions_t_co2: NonNegFloat = Field(0.0, description="material, energy and transport emissions of "
                                                   "the intervention, subtracted for the net removal")
    map_days: list[NonNegFloat] | None = Field(None, description="days of the report's maps (default: a sixth, "
                                               "half and all of run.days)")
    write_3d: bool = Field(True, description="write the 3-D difference fields to mrv.nc (else surface maps only)")
    thresholds: ThresholdConfig = ThresholdConfig()


class PriorConfig(_Section):
    """A Gaussian prior on a parameter's value (in its own units)."""

    mean: float
    sd: PositiveFloat


class TrainableConfig(_Section):
    """A parameter the calibration adjusts (docs/calibration.md)."""

    bounds: tuple[float, float] = Field(description="[lower, upper] in the parameter's units; the estimate stays inside")
    transform: Literal["log", "logit", "none"] = Field(
        "log", description="optimisation variable: log(p) (p > 0), logit of p within bounds, or p itself")
    initial: float | None = Field(None, description="starting value (default: the value the config gives the model)")
    prior: PriorConfig | None = Field(None, description="Gaussian prior {mean, sd} added to the loss")
    true_value: float | None = Field(None, description="twin experiments: the value that made the synthetic observations")

    @model_validator(mode="after")
    def _consistent(self):
        lo, hi = self.bounds
        if not lo < hi:
            raise ValueError(f"bounds: lower {lo:g} must be below upper {hi:g}")
        if self.transform == "log" and lo < 0:
            raise ValueError("bounds: a log transform needs a lower bound >= 0")
        for key in ("initial", "true_value"):
            v = getattr(self, key)
            if v is not None and not lo <= v <= hi:
                raise ValueError(f"{key} = {v:g} is outside the bounds [{lo:g}, {hi:g}]")
            if v is not None and ((self.transform == "logit" and v in (lo, hi)) or (self.transform == "log" and v <= 0)):
                raise ValueError(f"{key} = {v:g} is where the {self.transform} transform is infinite; move it inside")
        return self


class ObservationFileConfig(_Section):
    """A table of observations: CSV or netCDF with time, lon, lat, depth, variable, value, sigma."""

    file: str = Field(description="CSV or netCDF (a path relative to the config, or inside oceancdr/data)")
    variables: list[str] | None = Field(None, description="use only these variables (default: all in the file)")
    sigma_floor: dict[str, NonNegFloat] = Field(
        default_factory=dict, description="per variable, a smallest sigma (representation error on top of the sensor)")


class OptimizerConfig(_Section):
    """The optimiser (optax) and its stopping rules."""

    method: Literal["lbfgs", "adam"] = "lbfgs"
    learning_rate: PositiveFloat = Field(0.05, description="Adam: step size in the transformed variables; L-BFGS: "
                                         "the largest change of the first step")
    max_iterations: int = Field(60, ge=1, le=100000)
    gradient_tolerance: NonNegFloat = Field(1e-5, description="stop when the gradient norm (transformed "
                                            "variables, loss per observation) falls below this")
    loss_tolerance: NonNegFloat = Field(1e-9, description="stop when the loss changes by less than this "
                                        "fraction over `patience` iterations")
    patience: int = Field(5, ge=1)


class TwinConfig(_Section):
    """Twin experiment: the observation files give where, when and how well; values are replaced by the
    model at the parameters' `true_value`s plus Gaussian noise of the file's sigma."""

    seed: int = 0
    noise: bool = Field(True, description="add Gaussian noise (sigma from the file) to the synthetic values")


class CalibrationConfig(_Section):
    """Settings of ``oceancdr calibrate`` (docs/calibration.md)."""

    parameters: dict[str, TrainableConfig] = Field(
        default_factory=dict, description="trainable parameters by name (any scalar of the model's params)")
    observations: list[ObservationFileConfig] = Field(default_factory=list, description="observation tables (below)")
    fit_period: tuple[str, str] | None = Field(None, description="[start, end] dates of the observations fitted "
                                               "(default: the whole run)")
    holdout_period: tuple[str, str] | None = Field(None, description="[start, end] dates of observations only "
                                                   "judged, never fitted")
    optimizer: OptimizerConfig = OptimizerConfig()
    checkpoint_steps: int | Literal["auto"] = Field(
        "auto", description="steps per checkpointed segment of the gradient (auto: the divisor of the run's steps nearest their square root)")
    finite_difference_step: PositiveFloat = Field(1e-5, description="gradient check: step in the transformed "
                                                  "variables")
    twin: TwinConfig | None = Field(None, description="twin experiment {seed, noise} (below)")


class DistributionConfig(_Section):
    """An uncertain parameter's distribution (docs/ensembles.md). Which numbers it needs depends on
    the kind: uniform {low, high}; normal {mean, sd}; lognormal {median, log_sd} (log_sd: the sd of
    ln p); truncated_normal {mean, sd, low, high} (the normal cut to [low, high])."""

    distribution: Literal["uniform", "normal", "lognormal", "truncated_normal"]
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: PositiveFloat | None = None
    median: PositiveFloat | None = None
    log_sd: PositiveFloat | None = None
    relative: bool = Field(False, description="the sample multiplies the model's value (e.g. 0.8-1.2 of an "
                           "intervention's amount) instead of replacing it")

    NEEDS: ClassVar[dict] = {"uniform": ("low", "high"), "normal": ("mean", "sd"), "lognormal": ("median", "log_sd"),
             "truncated_normal": ("mean", "sd", "low", "high")}

    @model_validator(mode="after")
    def _complete(self):
        needs = self.NEEDS[self.distribution]
        missing = [k for k in needs if getattr(self, k) is None]
        if missing:
            raise ValueError(f"a {self.distribution} distribution needs {', '.join(needs)} (missing "
                             f"{', '.join(missing)})")
        extra = [k for k in ("low", "high", "mean", "sd", "median", "log_sd") if k not in needs
                 and getattr(self, k) is not None]
        if extra:
            raise ValueError(f"a {self.distribution} distribution takes {', '.join(needs)}, not {', '.join(extra)}")
        if "low" in needs and not self.low < self.high:
            raise ValueError(f"low {self.low:g} must be below high {self.high:g}")
        return self


class ClusterConfig(_Section):
    """Where the ensemble's tasks run (dask.distributed; docs/ensembles.md)."""

    kind: Literal["local", "scheduler", "slurm", "pbs"] = Field(
        "local", description="local: a LocalCluster of `workers` processes; scheduler: an existing Dask scheduler "
        "at `address`; slurm, pbs: worker jobs submitted by dask-jobqueue with `jobqueue` settings")
    workers: int = Field(2, ge=0, le=4096, description="local: worker processes (0 runs in this process, no "
                         "Dask); slurm, pbs: worker jobs to submit")
    address: str | None = Field(None, description="scheduler: its address, e.g. tcp://10.0.0.5:8786, or the "
                                "scheduler file of `dask scheduler --scheduler-file`")
    jobqueue: dict[str, Any] = Field(default_factory=dict, description="slurm, pbs: keyword arguments of "
                                     "dask_jobqueue.SLURMCluster / PBSCluster (cores, memory, walltime, queue, "
                                     "account, job_script_prologue, ...)")


class EnsembleConfig(_Section):
    """Settings of ``oceancdr ensemble`` (docs/ensembles.md)."""

    parameters: dict[str, DistributionConfig] = Field(
        default_factory=dict, description="uncertain parameters by name (any scalar of the model's params, e.g. "
        "gas_transfer_scale, wind_speed_scale, NAME.amount_mol) with their distributions (below)")
    sampler: Literal["latin_hypercube", "sobol", "random"] = Field(
        "latin_hypercube", description="how the members' unit-cube points are drawn (scipy.stats.qmc)")
    members: int = Field(32, ge=1, le=1_000_000)
    seed: int = Field(0, ge=0)
    batch_size: int = Field(4, ge=1, le=4096, description="members run together by vmap in one task")
    exceedance: float = Field(0.95, gt=0.5, lt=1, description="the credited removal is exceeded by this "
                              "fraction of the members (its 1 - exceedance quantile)")
    series: list[str] = Field(["uptake_mol", "alkalinity_released_mol", "eta", "excess_dic_mol", "max_delta_ph",
                               "max_omega_aragonite"],
                              description="time series of the MRV record kept per member in ensemble.nc")
    cluster: ClusterConfig = ClusterConfig()


def _check_parameters(values: dict, table: dict, kind: str) -> None:
    for name, value in values.items():
        if name not in table:
            raise ValueError(f"parameters.{name}: unknown {kind} parameter (see docs/{kind}.md)")
        spec = table[name]
        if not spec.lower <= value <= spec.upper:
            raise ValueError(f"parameters.{name} = {value:g} is outside [{spec.lower:g}, {spec.upper:g}] ({spec.units})")


HYDROGRAPHY_TRACERS = ("temperature", "salinity", "dic", "alk", "no3", "po4", "sio4", "fe", "o2")


def _default_tracers() -> dict[str, TracerConfig]:
    return {
        "temperature": TracerConfig(initial="hydrography"),
        "salinity": TracerConfig(initial="hydrography"),
        "dic": TracerConfig(initial="hydrography"),
        "alk": TracerConfig(initial="hydrography"),
        "dye": TracerConfig(
            blob=InitialBlob(x_km=30.0, y_km=60.0, radius_km=8.0, depth_m=0.0, thickness_m=15.0, amplitude=1.0)
        ),
    }


class Config(_Section):
    run: RunConfig = RunConfig()
    precision: Literal["float64", "float32"] = "float64"
    grid: GridConfig = GridConfig()
    circulation: CirculationConfig = CirculationConfig()
    hydrography: HydrographyConfig = HydrographyConfig()
    atmosphere: AtmosphereConfig = AtmosphereConfig()
    biology: BiologyConfig = BiologyConfig()
    surface_series: SurfaceSeriesConfig = SurfaceSeriesConfig()
    exchange: ExchangeConfig = ExchangeConfig()
    production: ProductionConfig = ProductionConfig()
    tracers: dict[str, TracerConfig] = Field(default_factory=_default_tracers)
    interventions: list[InterventionConfig] = Field(default_factory=list,
                                                    description="see docs/interventions.md and the table below")
    intervention_settings: InterventionSettings = InterventionSettings()
    numerics: NumericsConfig = NumericsConfig()
    output: OutputConfig = OutputConfig()
    mrv: MrvConfig = MrvConfig()
    calibration: CalibrationConfig = CalibrationConfig()
    ensemble: EnsembleConfig = EnsembleConfig()

    @model_validator(mode="after")
    def _check(self):
        for name in self.tracers:
            if not name.isidentifier():
                raise ValueError(f"tracer name {name!r} must be a plain identifier (letters, digits, _)")
        for name, tr in self.tracers.items():
            if tr.initial == "hydrography" and name not in HYDROGRAPHY_TRACERS:
                raise ValueError(f"tracers.{name}.initial: 'hydrography' is only for {', '.join(HYDROGRAPHY_TRACERS)}")
        c = self.circulation
        if self.hydrography.from_circulation_file and (c.type != "file" or c.format != "fvcom"):
            raise ValueError("hydrography.from_circulation_file: needs circulation.type 'file' with format 'fvcom' "
                             "(the output that carries temperature and salinity)")
        if self.biology.enabled:
            self._add_biology_tracers()
        if self.interventions:
            self._check_interventions()
        carbon = {"dic", "alk"} & set(self.tracers)
        if carbon and self.atmosphere.airsea_co2:
            missing = {"dic", "alk", "temperature", "salinity"} - set(self.tracers)
            if missing:
                raise ValueError(f"tracers: air-sea CO2 exchange needs tracers {sorted(missing)} too "
                                 "(or set atmosphere.airsea_co2: false)")
        carbon_tracers = {"dic", "alk", "temperature", "salinity"}
        if self.exchange.enabled and carbon_tracers - set(self.tracers):
            raise ValueError(f"exchange.enabled: the end-member exchange needs tracers "
                             f"{sorted(carbon_tracers - set(self.tracers))}")
        if self.production.enabled:
            if self.biology.enabled:
                raise ValueError("production.enabled: prescribed production replaces the ecosystem; set "
                                 "biology.enabled: false (or production.enabled: false)")
            if {"dic", "alk"} - set(self.tracers):
                raise ValueError(f"production.enabled: prescribed production needs tracers "
                                 f"{sorted({'dic', 'alk'} - set(self.tracers))}")
        if self.output.every_hours * 3600.0 < self.run.dt_seconds:
            raise ValueError("output.every_hours is shorter than one time step (run.dt_seconds)")
        return self

    def _add_biology_tracers(self):
        from .biology.stoichiometry import BIO_TRACERS, CARBON_TRACERS, INITIAL, SINKING

        missing = [n for n in CARBON_TRACERS if n not in self.tracers]
        if missing:
            raise ValueError(f"biology.enabled needs tracers {missing} (with initial: hydrography)")
        for name in BIO_TRACERS:
            if name not in self.tracers:
                self.tracers[name] = TracerConfig(initial=INITIAL.get(name, "hydrography"))
            if self.tracers[name].sinking_m_per_day:
                raise ValueError(f"tracers.{name}.sinking_m_per_day: ecosystem tracers sink at the biology "
                                 f"parameters {sorted(set(SINKING.values()))}; set those instead")

    def _check_interventions(self):
        from .interventions.tracers import intervention_tracers

        names = [iv.name for iv in self.interventions]
        if len(set(names)) != len(names):
            raise ValueError(f"interventions: names must be unique (got {names})")
        for i, iv in enumerate(self.interventions):
            if iv.type in ("iron", "bivalve_farm") and not self.biology.enabled:
                raise ValueError(f"interventions.{i}: a {iv.type} intervention needs biology.enabled: true")
            missing = {"dic", "alk", "temperature", "salinity"} - set(self.tracers)
            if iv.type in ("alkalinity", "olivine") and missing:
                raise ValueError(f"interventions.{i}: a {iv.type} intervention needs tracers {sorted(missing)}")
        for name, tracer in intervention_tracers(self.interventions).items():
            if name not in self.tracers:
                self.tracers[name] = TracerConfig(**tracer)

    def hash(self) -> str:
        """sha256 of the validated configuration (canonical JSON), to tie outputs to their config."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
def _format_error(err: ValidationError) -> str:
    e = err.errors()[0]
    loc = ".".join(str(p) for p in e["loc"] if not str(p).startswith("function-after"))
    msg = e["msg"].removeprefix("Value error, ")
    if e["type"] == "extra_forbidden":
        return f"{loc}: unknown key (check its spelling; see docs/configuration.md)"
    got = e.get("input")
    shown = "" if isinstance(got, dict) or got is None else f" (got {got!r})"
    return f"{loc or 'config'}: {msg}{shown}"


def apply_overrides(data: dict, overrides: list[str]) -> dict:
    """Apply ``dotted.key=value`` overrides (values parsed as YAML) to a nested config dict; a
    number picks an item of a list (``interventions.0.schedule.end_day=4``)."""
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"--set {item!r}: expected dotted.key=value")
        key, text = item.split("=", 1)
        parts = key.strip().split(".")
        node = data
        for p in parts[:-1]:
            if isinstance(node, list):
                node = node[_list_index(node, p, key)]
                continue
            child = node.setdefault(p, {})
            if not isinstance(child, (dict, list)):
                raise ConfigError(f"--set {key}: {p} is not a section")
            node = child
        last = _list_index(node, parts[-1], key) if isinstance(node, list) else parts[-1]
        node[last] = yaml.safe_load(text)
    return data


def _list_index(items: list, part: str, key: str) -> int:
    if not part.isdigit() or int(part) >= len(items):
        raise ConfigError(f"--set {key}: {part!r} is not an item of that list (0 to {len(items) - 1})")
    return int(part)


def _read_yaml(path: Path) -> dict:
    """A config file as a dict, with its ``base:`` chain merged in (base first, this file wins;
    data-file paths of a base resolved against the base's folder)."""
    if not path.is_file():
        raise ConfigError(f"config file {str(path)!r} not found")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({str(err).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    if "base" not in data:
        return data
    base_path = path.parent / str(data.pop("base"))
    if not base_path.is_file():
        raise ConfigError(f"{path}: base: {base_path} not found (a path relative to this config)")
    base = _read_yaml(base_path)
    for keys in (("grid",), ("circulation",), ("surface_series",), ("hydrography", "bottles")):
        node = base
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict) and node.get("file"):
            node["file"] = str(resolve_data_path(node["file"], base_path.parent))
    return deep_merge(base, data)


def deep_merge(base: dict, override: dict) -> dict:
    """``base`` with ``override`` merged in, section by section (override wins)."""
    out = dict(base)
    for k, v in override.items():
        out[k] = deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def config_from_dict(data: dict[str, Any]) -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_format_error(err)) from None


def load_config(path: str | Path, overrides: list[str] | None = None) -> Config:
    """Read, override and validate a YAML config; relative file paths resolve against its folder."""
    path = Path(path)
    data = apply_overrides(_read_yaml(path), overrides or [])
    cfg = config_from_dict(data)
    sections = (cfg.grid, cfg.circulation, cfg.surface_series, cfg.hydrography.bottles, *cfg.calibration.observations)
    for section in sections:
        if section is not None and section.file:
            section.file = str(resolve_data_path(section.file, path.parent))
    return cfg


def resolve_data_path(name: str, base: Path) -> Path:
    """Resolve a data file: absolute, relative to the config, or inside the package's data folder."""
    p = Path(name)
    candidates = [p] if p.is_absolute() else [base / p, Path(__file__).parent / "data" / p, Path.cwd() / p]
    for c in candidates:
        if c.is_file():
            return c.resolve()
    raise ConfigError(f"data file {name!r} not found (looked in {', '.join(str(c.parent) for c in candidates)})")


def _literal_choices(annotation) -> str:
    """'one of a, b' for Literal types (also inside unions and lists), else ''."""
    from typing import get_args, get_origin

    if get_origin(annotation) is Literal:
        return "one of " + ", ".join(f"`{a}`" for a in get_args(annotation))
    found = [c for a in get_args(annotation) if (c := _literal_choices(a))]
    return "; ".join(found)


def reference_markdown() -> str:
    """The configuration reference (docs/configuration.md), generated from the schema."""
    lines = ["# Configuration reference", "",
             "Generated from the schema by `python -m oceancdr.config`; do not edit by hand. Units are in the",
             "key names where they are not SI. Unknown keys are errors. Override any key on the command line",
             "with `--set section.key=value` (values are parsed as YAML); a number picks an item of a list,",
             "as in `--set interventions.0.schedule.end_day=4`.", ""]

    def rows(model, prefix):
        out = []
        for name, f in model.model_fields.items():
            sub = f.annotation if isinstance(f.annotation, type) and issubclass(f.annotation, BaseModel) else None
            if sub is not None:
                out += rows(sub, f"{prefix}{name}.")
                continue
            default = "required" if f.is_required() else f.default_factory() if f.default_factory else f.default
            if isinstance(default, dict):
                default = "see below"
            limits = ", ".join(f"{k} {v}" for m in f.metadata for k, v in
                               (("≥", getattr(m, "ge", None)), (">", getattr(m, "gt", None)),
                                ("≤", getattr(m, "le", None))) if v is not None)
            choices = _literal_choices(f.annotation)
            desc = "; ".join(x for x in (f.description, limits, choices) if x)
            out.append(f"| `{prefix}{name}` | `{default}` | {desc} |")
        return out

    lines += ["To start from another file, add `base: other.yaml` (a path relative to this one): its keys",
              "are read first and this file's keys override them, section by section (a list, such as",
              "`interventions`, is replaced as a whole).", "",
              "| key | default | notes |", "|---|---|---|"] + rows(Config, "")
    lines += ["", "## Tracers", "",
              "`tracers` maps a tracer name to its settings; the default run has temperature, salinity, dic, alk and dye.",
              "", "| key | default | notes |", "|---|---|---|"] + rows(TracerConfig, "tracers.NAME.")
    lines += ["", "`tracers.NAME.blob` adds a Gaussian patch to the initial field:", "",
              "| key | default | notes |", "|---|---|---|"] + rows(InitialBlob, "tracers.NAME.blob.")
    lines += ["", "## Interventions", "",
              "`interventions` is a list; each item has these keys (docs/interventions.md):", "",
              "| key | default | notes |", "|---|---|---|"] + rows(InterventionConfig, "interventions[].")
    for key, model in (("amount", AmountConfig), ("olivine", OlivineConfig), ("farm", FarmConfig)):
        lines += ["", f"`interventions[].{key}`: {model.__doc__.strip()}", "",
                  "| key | default | notes |", "|---|---|---|"] + rows(model, f"interventions[].{key}.")
    lines += ["", "## Calibration", "", "`calibration.parameters` maps a parameter name to its settings "
              "(docs/calibration.md):", "", "| key | default | notes |", "|---|---|---|"]
    lines += rows(TrainableConfig, "calibration.parameters.NAME.") + rows(PriorConfig, "calibration.parameters.NAME.prior.")
    for key, model in (("observations[]", ObservationFileConfig), ("twin", TwinConfig)):
        lines += ["", f"`calibration.{key}`: {' '.join(model.__doc__.split())}", "",
                  "| key | default | notes |", "|---|---|---|"] + rows(model, f"calibration.{key}.")
    lines += ["", "## Ensembles", "", f"`ensemble.parameters.NAME`: {' '.join(DistributionConfig.__doc__.split())}", "",
              "| key | default | notes |", "|---|---|---|"] + rows(DistributionConfig, "ensemble.parameters.NAME.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(reference_markdown(), end="")
