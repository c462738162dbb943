"""The cluster's side of load management and of the thermal hold: what it draws and has given
up [MW], and how it gives power up (idle nodes off, a GPU power cap, pausing or shedding jobs)
and takes it back. A mixin of :class:`sim.cluster.Cluster`, apart so that the scheduler and
the jobs' processes read on their own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.jobs import CHECKPOINT, COMPUTE, PHASE_NAMES, RESTART, RUNNING, SHED, Job

if TYPE_CHECKING:
    from sim.pools import Pool
    from sim.recorder import Recorder


class ClusterLoadManagement:
    """What load management and the thermal hold ask of the cluster (a mixin of
    :class:`sim.cluster.Cluster`, which sets the state below and defines the transitions)."""

    jobs: list[Job]
    order: list[Job]
    pools: dict[str, Pool]
    recorder: Recorder
    p_w: float
    shed_w: float
    held_w: float
    reserve_w: float
    capped_w: float
    n_stopped: int
    idle_on: bool
    starts_held: bool
    hot: bool
    cap_pu: float
    thermal_pu: float

    def _advance(self, now_s: float) -> None:
        raise NotImplementedError  # (the cluster's: GPU-seconds by state to now)

    def _enter(self, job: Job, state: int, now_s: float) -> None:
        raise NotImplementedError  # (the cluster's: a job enters a phase)

    def _forget(self, job: Job) -> None:
        raise NotImplementedError  # (the cluster's: a job's powers out of the sums)

    def _count(self, job: Job) -> None:
        raise NotImplementedError  # (the cluster's: a job's powers into the sums)

    def _schedule(self, job: Job) -> None:
        raise NotImplementedError  # (the cluster's: move the job's wake-up)

    def _schedule_all(self, now_s: float, room_mw: float | None = None) -> None:
        raise NotImplementedError  # (the cluster's scheduler)

    # ---- load management ------------------------------------------------------------------

    def idle_nodes_w(self) -> float:
        """Idle power of the idle nodes (free and hot spares), on or off [W]."""
        return sum(p.idle_nodes * p.node_idle_w for p in self.pools.values())

    @property
    def idle_off_w(self) -> float:
        """Idle power of the idle nodes load management has turned off [W] (0 when on)."""
        return 0.0 if self.idle_on else self.idle_nodes_w()

    @property
    def holding_back(self) -> bool:
        """Whether power is held back: a cap, stopped jobs, idle nodes off, a hot coolant."""
        return self.cap_pu < 1.0 or self.n_stopped > 0 or not self.idle_on or self.hot

    @property
    def ceiling_mw(self) -> float:
        """What the cluster may draw at its next phase change [MW]: now, with every running job
        computing, what load management holds back returned and the queued jobs waiting for
        supply started — the reserve the turbines are committed for."""
        return (self.p_w + self.reserve_w + self.shed_w + self.idle_off_w + self.held_w) * 1e-6

    @property
    def capped_mw(self) -> float:
        """What the power cap takes off the computing jobs now [MW] (IT demand given up)."""
        return self.capped_w * 1e-6

    def may_take_back(self) -> bool:
        """Whether it holds power back (a cap, stopped jobs, idle nodes off) or has jobs
        waiting for supply: then load management may give some back."""
        return self.cap_pu < 1.0 or bool(self.n_stopped) or not self.idle_on or self.starts_held

    def powers_mw(self) -> tuple[float, float, float, float]:
        """The cluster at the bus now [MW]: what it draws, what it has given up by stopping
        (stopped jobs at their computing power, idle nodes off), what the cap takes off, and
        what more it may draw at its next phase change (shed jobs back, running jobs
        computing)."""
        off_w = 0.0 if self.idle_on else self.idle_nodes_w()
        more_w = self.reserve_w + self.shed_w + off_w + self.held_w
        return self.p_w * 1e-6, (self.shed_w + off_w) * 1e-6, self.capped_w * 1e-6, more_w * 1e-6

    @property
    def shed_mw(self) -> float:
        """IT demand given up by stopping [MW]: stopped jobs at their computing power, and
        idle nodes turned off."""
        return (self.shed_w + self.idle_off_w) * 1e-6

    def idle_off(self, now_s: float) -> float:
        """Turn the idle nodes (free and hot spares) off: the first thing load management
        does, as it costs no training. Returns the power freed [MW]."""
        off_w = self.idle_nodes_w()
        if not self.idle_on or off_w <= 0.0:
            return 0.0
        self.idle_on = False
        self.p_w -= off_w
        self.recorder.event(now_s, "cluster_idle_off", "cluster", f"{off_w * 1e-6:.6g} MW")
        return off_w * 1e-6

    def set_cap(self, now_s: float, cap_pu: float) -> None:
        """Cap every job's GPU computing power to ``cap_pu`` [pu] from now (load management's
        cap; the GPUs run at the lower of it and the cooling's throttle)."""
        self._advance(now_s)
        self.cap_pu = cap_pu
        self._apply_caps(now_s)

    def throttle(self, now_s: float, target_mw: float) -> None:
        """Throttle the GPUs (cooling) so that the cluster draws ``target_mw`` [MW]: the
        computing jobs' GPU power scales with the throttle, so
        ``pu = (target − rest) / uncapped GPU power``, within [0, 1]."""
        gpu_w = sum(j.power_w - j.n_nodes * j.node_base_w for j in self.jobs if j.state == COMPUTE)
        full_w = self.capped_w + gpu_w  # the computing jobs' uncapped GPU power
        pu = 1.0 if full_w <= 0.0 else (target_mw * 1e6 - (self.p_w - gpu_w)) / full_w
        pu = min(1.0, max(0.0, pu))
        if abs(pu - self.thermal_pu) <= 1e-9:
            return
        self.thermal_pu = pu
        self._apply_caps(now_s)
        self.recorder.event(now_s, "gpu_throttle", "cooling", f"GPU power at {pu:.4g} pu")

    def _apply_caps(self, now_s: float) -> None:
        cap_pu = min(self.cap_pu, self.thermal_pu)
        for job in self.jobs:
            if job.cap_pu != cap_pu:
                self._forget(job)
                self.p_w += job.set_cap(now_s, cap_pu)
                self._count(job)
                if job.state == COMPUTE:
                    self._schedule(job)

    def cap(self, now_s: float, request_mw: float, floor_pu: float) -> float:
        """Lower the GPU power cap to give up ``request_mw`` more, not below ``floor_pu``.
        Returns the power given up [MW]."""
        full_w = self.capped_w + sum(
            j.power_w - j.n_nodes * j.node_base_w for j in self.jobs if j.state == COMPUTE
        )  # uncapped GPU power of the computing jobs
        if full_w <= 0.0 or self.cap_pu <= floor_pu:
            return 0.0
        cap_pu = max(floor_pu, 1.0 - (self.capped_w + request_mw * 1e6) / full_w)
        if cap_pu >= self.cap_pu:
            return 0.0
        before_w = self.p_w
        self.set_cap(now_s, cap_pu)
        self.recorder.event(now_s, "cluster_capped", "cluster", f"GPU power at {cap_pu:.4g} pu")
        return (before_w - self.p_w) * 1e-6

    def uncap(self, now_s: float, headroom_mw: float) -> bool:
        """Raise the cap as far as ``headroom_mw`` allows; returns whether it rose."""
        if self.cap_pu >= 1.0 or headroom_mw <= 0.0:
            return False
        effective = min(self.cap_pu, self.thermal_pu)
        full_w = self.capped_w / (1.0 - effective) if self.capped_w > 0 and effective < 1 else 0.0
        cap_pu = 1.0 if full_w <= 0.0 else min(1.0, self.cap_pu + headroom_mw * 1e6 / full_w)
        if cap_pu >= 1.0 - 1e-9:
            cap_pu = 1.0
        self.set_cap(now_s, cap_pu)
        self.recorder.event(now_s, "cluster_capped", "cluster", f"GPU power at {cap_pu:.4g} pu")
        return True

    def pause_write_s(self) -> float:
        """Longest checkpoint write of the computing jobs [s]: the time pausing them takes."""
        return max((j.delta_s for j in self.jobs if j.state == COMPUTE), default=0.0)

    def pause(self, now_s: float, request_mw: float) -> float:
        """Pause running jobs, lowest priority (then latest) first, until the power they give
        up now covers ``request_mw``. A computing job writes a checkpoint first (at
        checkpoint power; its compute so far is kept) and stops when the write ends; a job
        already writing one stops when it ends; a restarting job, with nothing unsaved, and a
        computing one whose write takes no time stop at once. Returns the power freed now [MW]."""
        before_w = self.p_w
        for job in reversed(self.order):
            if before_w - self.p_w >= request_mw * 1e6:
                break
            if job.state not in RUNNING or job.pausing:
                continue
            if job.state == RESTART or (job.state == COMPUTE and job.delta_s == 0.0):
                phase = PHASE_NAMES[job.state]
                job.bank_compute(now_s)  # (a write of no length saves the compute at once)
                if job.state == COMPUTE:
                    job.committed_s += job.in_flight_s
                    job.in_flight_s = 0.0
                    job.checkpoints += 1
                job.paused_count += 1
                self._stop(job, now_s)
                self.recorder.event(now_s, "job_paused", job.name, f"stopped in its {phase}")
                continue
            if job.state == COMPUTE:
                job.bank_compute(now_s)
                self._enter(job, CHECKPOINT, now_s)
            job.pausing = True
            self.recorder.event(now_s, "job_pausing", job.name, "writing a checkpoint to stop")
        return (before_w - self.p_w) * 1e-6

    def shed(self, now_s: float, request_mw: float) -> float:
        """Shed running jobs, lowest priority (then latest) first, until their power covers
        ``request_mw``; each loses its compute since its last checkpoint and its nodes go off.
        Returns the power freed [MW]."""
        before_w = self.p_w
        for job in reversed(self.order):
            if before_w - self.p_w >= request_mw * 1e6:
                break
            if job.state in RUNNING:
                lost_s = job.roll_back(now_s)
                job.shed_count += 1
                self._stop(job, now_s)
                self.recorder.event(
                    now_s, "job_shed", job.name, f"load management; {lost_s:g} s of compute lost"
                )
        return (before_w - self.p_w) * 1e-6

    def _stop(self, job: Job, now_s: float) -> None:
        """Load management stops the job (shed or paused): its nodes go off, held for it."""
        self._advance(now_s)
        self.shed_w += job.n_nodes * job.node_full_w
        self.n_stopped += 1
        self._enter(job, SHED, now_s)

    def _returning(self, room_mw: float) -> list[Job]:
        """The stopped jobs that come back within ``room_mw`` [MW]: highest priority first,
        each if its computing power fits in what the ones before it left."""
        jobs = []
        for job in self.order:
            if job.state == SHED:
                need_mw = job.n_nodes * job.node_full_w * 1e-6
                if need_mw <= room_mw:
                    jobs.append(job)
                    room_mw -= need_mw
        return jobs

    def returnable_mw(self, room_mw: float) -> float:
        """IT power of the stopped jobs that would come back within ``room_mw`` [MW] (as
        :meth:`take_back` would bring them): what is worth keeping turbines committed for."""
        return sum(job.n_nodes * job.node_full_w for job in self._returning(room_mw)) * 1e-6

    def take_back(self, now_s: float, headroom_mw: float) -> None:
        """Return what load management holds back as far as ``headroom_mw`` allows (supply
        less the rest of the load and :attr:`ceiling_mw`): the cap first, then stopped jobs
        (highest priority first, each if its computing power fits), then idle nodes (once
        nothing else is held back); then queued jobs start that fit in what is left."""
        if self.cap_pu < 1.0:
            self.uncap(now_s, headroom_mw)
        if self.hot:
            return  # the coolant is too warm: nothing more comes back on yet
        room_mw = headroom_mw + self.shed_mw + self.held_w * 1e-6  # what ceiling_mw counted
        for job in self._returning(room_mw):
            self._advance(now_s)
            self.shed_w -= job.n_nodes * job.node_full_w
            self.n_stopped -= 1
            self._enter(job, RESTART, now_s)
            self.recorder.event(now_s, "job_resumed", job.name, "supply is back")
            room_mw -= job.n_nodes * job.node_full_w * 1e-6
        if self.n_stopped == 0:
            self.shed_w = 0.0  # (not a rounding residue of the sum)
        if not self.idle_on and self.cap_pu == 1.0 and self.n_stopped == 0:
            on_w = self.idle_nodes_w()
            if on_w * 1e-6 <= room_mw:
                self.idle_on = True
                self.p_w += on_w
                room_mw -= on_w * 1e-6
                self.recorder.event(now_s, "cluster_idle_on", "cluster", f"{on_w * 1e-6:.6g} MW")
        if self.starts_held:
            self._schedule_all(now_s, room_mw)
