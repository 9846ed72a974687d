package sdk

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	executorv1 "github.com/bilancio-go/bilancio/sdk/proto"
)

// Conversions between the sdk types and their protobuf messages. Each pair
// is exact: a value survives a round trip unchanged (times are compared with
// time.Time.Equal; the zero time travels as an absent timestamp).

func infoToProto(in *Info) *executorv1.Info {
	if in == nil {
		return nil
	}
	out := &executorv1.Info{
		Name:       in.Name,
		Version:    in.Version,
		SdkVersion: in.SDKVersion,
		Capabilities: &executorv1.Capabilities{
			Cancel:          in.Capabilities.Cancel,
			Estimate:        in.Capabilities.Estimate,
			Artifacts:       in.Capabilities.Artifacts,
			Remote:          in.Capabilities.Remote,
			MaxParallelHint: int32(in.Capabilities.MaxParallelHint),
			Heartbeat:       in.Capabilities.Heartbeat,
			Detach:          in.Capabilities.Detach,
		},
	}
	for _, v := range in.ProtocolVersions {
		out.ProtocolVersions = append(out.ProtocolVersions, int32(v))
	}
	for _, a := range in.ConfigSchema {
		out.ConfigSchema = append(out.ConfigSchema, &executorv1.ConfigAttribute{
			Name: a.Name, Type: a.Type, Description: a.Description,
			Required: a.Required, Default: a.Default, Env: a.Env,
		})
	}
	return out
}

func infoFromProto(in *executorv1.Info) *Info {
	if in == nil {
		return nil
	}
	out := &Info{Name: in.GetName(), Version: in.GetVersion(), SDKVersion: in.GetSdkVersion()}
	if c := in.GetCapabilities(); c != nil {
		out.Capabilities = Capabilities{
			Cancel: c.GetCancel(), Estimate: c.GetEstimate(), Artifacts: c.GetArtifacts(),
			Remote: c.GetRemote(), MaxParallelHint: int(c.GetMaxParallelHint()),
			Heartbeat: c.GetHeartbeat(), Detach: c.GetDetach(),
		}
	}
	for _, v := range in.GetProtocolVersions() {
		out.ProtocolVersions = append(out.ProtocolVersions, int(v))
	}
	for _, a := range in.GetConfigSchema() {
		out.ConfigSchema = append(out.ConfigSchema, ConfigAttribute{
			Name: a.GetName(), Type: a.GetType(), Description: a.GetDescription(),
			Required: a.GetRequired(), Default: a.GetDefault(), Env: a.GetEnv(),
		})
	}
	return out
}

func batchToProto(in *Batch) *executorv1.Batch {
	if in == nil {
		return nil
	}
	out := &executorv1.Batch{
		ExperimentId: in.ExperimentID,
		OutRoot:      in.OutRoot,
		Parallel:     int32(in.Parallel),
		Runs:         make([]*executorv1.RunSpec, 0, len(in.Runs)),
		HeartbeatMs:  in.HeartbeatInterval.Milliseconds(),
		Detach:       in.Detach,
	}
	if in.HeartbeatInterval > 0 && out.HeartbeatMs == 0 {
		out.HeartbeatMs = 1
	}
	for i := range in.Runs {
		r := &in.Runs[i]
		out.Runs = append(out.Runs, &executorv1.RunSpec{
			RunId:        r.RunID,
			ScenarioName: r.ScenarioName,
			Scenario:     r.Scenario,
			Options: &executorv1.RunOptions{
				MaxDays:                  int32(r.Options.MaxDays),
				QuietDays:                int32(r.Options.QuietDays),
				HasQuietDays:             r.Options.HasQuietDays,
				DefaultHandling:          r.Options.DefaultHandling,
				CheckInvariants:          r.Options.CheckInvariants,
				Html:                     r.Options.HTML,
				DetailedLogging:          r.Options.DetailedLogging,
				EmulateDisplayTruncation: r.Options.EmulateDisplayTruncation,
				Artifacts:                r.Options.Artifacts,
				SummaryRule:              r.Options.SummaryRule,
				DealerEra:                r.Options.DealerEra,
			},
		})
	}
	if w := in.Worker; w != nil {
		out.Worker = &executorv1.WorkerBinary{Path: w.Path, Sha256: w.SHA256, Os: w.OS, Arch: w.Arch}
	}
	return out
}

func batchFromProto(in *executorv1.Batch) *Batch {
	if in == nil {
		return &Batch{}
	}
	out := &Batch{
		ExperimentID: in.GetExperimentId(),
		OutRoot:      in.GetOutRoot(),
		Parallel:     int(in.GetParallel()),
		Runs:         make([]RunSpec, 0, len(in.GetRuns())),
		Detach:       in.GetDetach(),
	}
	if ms := in.GetHeartbeatMs(); ms > 0 {
		out.HeartbeatInterval = time.Duration(ms) * time.Millisecond
	}
	for _, r := range in.GetRuns() {
		o := r.GetOptions()
		out.Runs = append(out.Runs, RunSpec{
			RunID:        r.GetRunId(),
			ScenarioName: r.GetScenarioName(),
			Scenario:     r.GetScenario(),
			Options: RunOptions{
				MaxDays:                  int(o.GetMaxDays()),
				QuietDays:                int(o.GetQuietDays()),
				HasQuietDays:             o.GetHasQuietDays(),
				DefaultHandling:          o.GetDefaultHandling(),
				CheckInvariants:          o.GetCheckInvariants(),
				HTML:                     o.GetHtml(),
				DetailedLogging:          o.GetDetailedLogging(),
				EmulateDisplayTruncation: o.GetEmulateDisplayTruncation(),
				Artifacts:                o.GetArtifacts(),
				SummaryRule:              o.GetSummaryRule(),
				DealerEra:                o.GetDealerEra(),
			},
		})
	}
	if w := in.GetWorker(); w != nil {
		out.Worker = &WorkerBinary{Path: w.GetPath(), SHA256: w.GetSha256(), OS: w.GetOs(), Arch: w.GetArch()}
	}
	return out
}

// eventTypeToProto maps t to its enum value; an unknown type is an error.
func eventTypeToProto(t EventType) (executorv1.EventType, error) {
	switch t {
	case EventQueued:
		return executorv1.EventType_EVENT_TYPE_QUEUED, nil
	case EventStarted:
		return executorv1.EventType_EVENT_TYPE_STARTED, nil
	case EventProgress:
		return executorv1.EventType_EVENT_TYPE_PROGRESS, nil
	case EventCompleted:
		return executorv1.EventType_EVENT_TYPE_COMPLETED, nil
	case EventFailed:
		return executorv1.EventType_EVENT_TYPE_FAILED, nil
	case EventCancelled:
		return executorv1.EventType_EVENT_TYPE_CANCELLED, nil
	case EventUsage:
		return executorv1.EventType_EVENT_TYPE_USAGE, nil
	case EventHeartbeat:
		return executorv1.EventType_EVENT_TYPE_HEARTBEAT, nil
	case EventDetached:
		return executorv1.EventType_EVENT_TYPE_DETACHED, nil
	}
	return executorv1.EventType_EVENT_TYPE_UNSPECIFIED, fmt.Errorf("unknown run event type %q", t)
}

// eventTypeFromProto maps an enum value back; unspecified or unknown values
// (from a newer peer) are an error.
func eventTypeFromProto(t executorv1.EventType) (EventType, error) {
	switch t {
	case executorv1.EventType_EVENT_TYPE_QUEUED:
		return EventQueued, nil
	case executorv1.EventType_EVENT_TYPE_STARTED:
		return EventStarted, nil
	case executorv1.EventType_EVENT_TYPE_PROGRESS:
		return EventProgress, nil
	case executorv1.EventType_EVENT_TYPE_COMPLETED:
		return EventCompleted, nil
	case executorv1.EventType_EVENT_TYPE_FAILED:
		return EventFailed, nil
	case executorv1.EventType_EVENT_TYPE_CANCELLED:
		return EventCancelled, nil
	case executorv1.EventType_EVENT_TYPE_USAGE:
		return EventUsage, nil
	case executorv1.EventType_EVENT_TYPE_HEARTBEAT:
		return EventHeartbeat, nil
	case executorv1.EventType_EVENT_TYPE_DETACHED:
		return EventDetached, nil
	}
	return "", fmt.Errorf("unknown run event type %v", t)
}

func timeToProto(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func timeFromProto(t *timestamppb.Timestamp) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.AsTime()
}

func eventToProto(in *RunEvent) (*executorv1.RunEvent, error) {
	typ, err := eventTypeToProto(in.Type)
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", in.RunID, err)
	}
	return &executorv1.RunEvent{
		RunId:   in.RunID,
		Type:    typ,
		Time:    timeToProto(in.Time),
		Message: in.Message,
		Attempt: int32(in.Attempt),
		Result:  resultToProto(in.Result),
		Usage:   usageToProto(in.Usage),
		Failure: failureToProto(in.Failure),
		Running: in.Running,
	}, nil
}

// failureToProto maps a failure kind; the host's own verdicts (a crash,
// silence) are the host's to make, so a plugin's claim of one travels as
// an infrastructure failure, and an unknown kind too.
func failureToProto(f Failure) executorv1.Failure {
	switch f {
	case FailureRun:
		return executorv1.Failure_FAILURE_RUN
	default:
		return executorv1.Failure_FAILURE_INFRASTRUCTURE
	}
}

// failureFromProto maps a failure kind back (unknown values from a newer
// plugin: infrastructure).
func failureFromProto(f executorv1.Failure) Failure {
	if f == executorv1.Failure_FAILURE_RUN {
		return FailureRun
	}
	return FailureInfrastructure
}

func eventFromProto(in *executorv1.RunEvent) (RunEvent, error) {
	typ, err := eventTypeFromProto(in.GetType())
	if err != nil {
		return RunEvent{}, fmt.Errorf("run %s: %w", in.GetRunId(), err)
	}
	ev := RunEvent{
		RunID:   in.GetRunId(),
		Type:    typ,
		Time:    timeFromProto(in.GetTime()),
		Message: in.GetMessage(),
		Attempt: int(in.GetAttempt()),
		Result:  resultFromProto(in.GetResult()),
		Usage:   usageFromProto(in.GetUsage()),
		Running: in.GetRunning(),
	}
	if typ == EventFailed {
		ev.Failure = failureFromProto(in.GetFailure())
	}
	return ev, nil
}

func usageToProto(in []SandboxUsage) []*executorv1.SandboxUsage {
	if len(in) == 0 {
		return nil
	}
	out := make([]*executorv1.SandboxUsage, 0, len(in))
	for _, u := range in {
		out = append(out, &executorv1.SandboxUsage{
			Id: u.ID, Purpose: u.Purpose, Start: timeToProto(u.Start), End: timeToProto(u.End),
			Cpu: u.CPU, MemoryMib: u.MemoryMiB, Gpu: u.GPU, Runs: int32(u.Runs),
			Cost: u.Cost, Currency: u.Currency,
		})
	}
	return out
}

func usageFromProto(in []*executorv1.SandboxUsage) []SandboxUsage {
	if len(in) == 0 {
		return nil
	}
	out := make([]SandboxUsage, 0, len(in))
	for _, u := range in {
		out = append(out, SandboxUsage{
			ID: u.GetId(), Purpose: u.GetPurpose(), Start: timeFromProto(u.GetStart()), End: timeFromProto(u.GetEnd()),
			CPU: u.GetCpu(), MemoryMiB: u.GetMemoryMib(), GPU: u.GetGpu(), Runs: int(u.GetRuns()),
			Cost: u.GetCost(), Currency: u.GetCurrency(),
		})
	}
	return out
}

func resultToProto(in *RunResult) *executorv1.RunResult {
	if in == nil {
		return nil
	}
	return &executorv1.RunResult{
		RunId:           in.RunID,
		Dir:             in.Dir,
		StopReason:      in.StopReason,
		DaysSimulated:   int32(in.DaysSimulated),
		Defaults:        int32(in.Defaults),
		PhiTotal:        in.PhiTotal,
		DeltaTotal:      in.DeltaTotal,
		TimeToStability: in.TimeToStability,
		DurationMs:      in.DurationMS,
		ManifestSha256:  in.ManifestSHA256,
		Executor:        in.Executor,
		Fingerprint:     in.Fingerprint,
		Manifest:        in.Manifest,
	}
}

func resultFromProto(in *executorv1.RunResult) *RunResult {
	if in == nil {
		return nil
	}
	return &RunResult{
		RunID:           in.GetRunId(),
		Dir:             in.GetDir(),
		StopReason:      in.GetStopReason(),
		DaysSimulated:   int(in.GetDaysSimulated()),
		Defaults:        int(in.GetDefaults()),
		PhiTotal:        in.GetPhiTotal(),
		DeltaTotal:      in.GetDeltaTotal(),
		TimeToStability: in.GetTimeToStability(),
		DurationMS:      in.GetDurationMs(),
		ManifestSHA256:  in.GetManifestSha256(),
		Executor:        in.GetExecutor(),
		Fingerprint:     in.GetFingerprint(),
		Manifest:        in.GetManifest(),
	}
}

func statusToProto(in *StatusReply) (*executorv1.StatusResponse, error) {
	out := &executorv1.StatusResponse{}
	if in == nil {
		return out, nil
	}
	for _, r := range in.Runs {
		st, err := eventTypeToProto(r.State)
		if err != nil {
			return nil, fmt.Errorf("status of run %s: %w", r.RunID, err)
		}
		out.Runs = append(out.Runs, &executorv1.RunStatus{RunId: r.RunID, State: st, Message: r.Message})
	}
	for _, u := range in.WorkUnits {
		st, ok := workStateToProto(u.State)
		if !ok {
			return nil, fmt.Errorf("status of work unit %s: unknown state %q", u.ID, u.State)
		}
		out.WorkUnits = append(out.WorkUnits, &executorv1.WorkUnit{
			Id: u.ID, Name: u.Name, State: st, Reason: u.Reason, RunIds: u.RunIDs,
			Started: timeToProto(u.Started), Ended: timeToProto(u.Ended),
		})
	}
	return out, nil
}

// workStates are the work unit states with their enum values.
func workStates() []struct {
	s WorkState
	p executorv1.WorkState
} {
	return []struct {
		s WorkState
		p executorv1.WorkState
	}{
		{WorkPending, executorv1.WorkState_WORK_STATE_PENDING},
		{WorkRunning, executorv1.WorkState_WORK_STATE_RUNNING},
		{WorkFinished, executorv1.WorkState_WORK_STATE_FINISHED},
		{WorkFailed, executorv1.WorkState_WORK_STATE_FAILED},
		{WorkCancelled, executorv1.WorkState_WORK_STATE_CANCELLED},
	}
}

func workStateToProto(s WorkState) (executorv1.WorkState, bool) {
	for _, w := range workStates() {
		if w.s == s {
			return w.p, true
		}
	}
	return executorv1.WorkState_WORK_STATE_UNSPECIFIED, false
}

func workStateFromProto(p executorv1.WorkState) (WorkState, bool) {
	for _, w := range workStates() {
		if w.p == p {
			return w.s, true
		}
	}
	return "", false
}

func statusFromProto(in *executorv1.StatusResponse) (*StatusReply, error) {
	out := &StatusReply{}
	for _, r := range in.GetRuns() {
		st, err := eventTypeFromProto(r.GetState())
		if err != nil {
			return nil, fmt.Errorf("status of run %s: %w", r.GetRunId(), err)
		}
		out.Runs = append(out.Runs, RunStatus{RunID: r.GetRunId(), State: st, Message: r.GetMessage()})
	}
	for _, u := range in.GetWorkUnits() {
		st, ok := workStateFromProto(u.GetState())
		if !ok {
			return nil, fmt.Errorf("status of work unit %s: unknown state %v", u.GetId(), u.GetState())
		}
		out.WorkUnits = append(out.WorkUnits, WorkUnit{
			ID: u.GetId(), Name: u.GetName(), State: st, Reason: u.GetReason(), RunIDs: u.GetRunIds(),
			Started: timeFromProto(u.GetStarted()), Ended: timeFromProto(u.GetEnded()),
		})
	}
	return out, nil
}

func estimateToProto(in *EstimateReply) *executorv1.EstimateResponse {
	if in == nil {
		return &executorv1.EstimateResponse{}
	}
	return &executorv1.EstimateResponse{Currency: in.Currency, Cost: in.Cost, Seconds: in.Seconds, Detail: in.Detail}
}

func estimateFromProto(in *executorv1.EstimateResponse) *EstimateReply {
	return &EstimateReply{Currency: in.GetCurrency(), Cost: in.GetCost(), Seconds: in.GetSeconds(), Detail: in.GetDetail()}
}

func entriesToProto(in []Entry) *executorv1.ListResponse {
	out := &executorv1.ListResponse{Entries: make([]*executorv1.Entry, 0, len(in))}
	for _, e := range in {
		out.Entries = append(out.Entries, &executorv1.Entry{Path: e.Path, Size: e.Size, IsDir: e.IsDir, ModTime: timeToProto(e.ModTime)})
	}
	return out
}

func entriesFromProto(in *executorv1.ListResponse) []Entry {
	out := make([]Entry, 0, len(in.GetEntries()))
	for _, e := range in.GetEntries() {
		out = append(out, Entry{Path: e.GetPath(), Size: e.GetSize(), IsDir: e.GetIsDir(), ModTime: timeFromProto(e.GetModTime())})
	}
	return out
}
