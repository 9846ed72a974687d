# want: 5:1: Missing sweep block
variable "n_agents" {
  default = 5
}
