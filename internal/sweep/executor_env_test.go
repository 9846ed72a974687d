package sweep

import (
	"slices"
	"testing"
)

// TestExecutorEnv checks that each executor gets only its own variables.
func TestExecutorEnv(t *testing.T) {
	environ := []string{
		"PATH=/bin", "MODAL_TOKEN_ID=id", "MODAL_TOKEN_SECRET=secret", "BILANCIO_CLOUD_MEMORY=512",
		"BILANCIO_MODAL_VOLUME=v", "BILANCIO_SLURM_QUEUE=q", "AWS_SECRET_ACCESS_KEY=x",
		"SLURM_CONF=/etc/slurm/x.conf", "SBATCH_ACCOUNT=econ", "SLURM_JOB_ID=7",
	}
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"modal", []string{"MODAL_TOKEN_ID=id", "MODAL_TOKEN_SECRET=secret", "BILANCIO_CLOUD_MEMORY=512", "BILANCIO_MODAL_VOLUME=v"}},
		{"slurm", []string{"BILANCIO_SLURM_QUEUE=q", "SLURM_CONF=/etc/slurm/x.conf", "SBATCH_ACCOUNT=econ"}},
		{LocalExecutor, nil},
	} {
		if got := ExecutorEnv(tc.name, environ); !slices.Equal(got, tc.want) {
			t.Errorf("ExecutorEnv(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}
