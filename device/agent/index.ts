export { runAgent, type RunAgentOptions, type RunningAgent, type AgentLog } from './run-agent.js';
export { loadAgentConfig, parseAgentConfig, type AgentConfig, type GpioBackendConfig } from './agent-config.js';
export { defineGadget, type GadgetDefinition, type GadgetIo, type GadgetCommand } from './gadget.js';
export { agentMain, configArgument } from './agent-main.js';
export { systemdNotifier, type SystemdNotifier } from './systemd-notify.js';
