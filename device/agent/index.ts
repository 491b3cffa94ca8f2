// `stead/agent`: what a gadget module and the agent that runs it import (docs/agent.md). Its
// import graph holds the device library and hardware/ only, never the flash builder or the
// simulator, so `stead flash` bundles a gadget as it is written.
export { defineGadget, type GadgetDefinition, type GadgetIo, type GadgetCommand } from './gadget.js';
export { runAgent, type RunAgentOptions, type RunningAgent, type AgentLog } from './run-agent.js';
export { loadAgentConfig, parseAgentConfig, type AgentConfig, type GpioBackendConfig } from './agent-config.js';
export { agentMain } from './agent-main.js';
export type { BeginResult } from '../session/types.js';
export type { Gpio, PinConfig, PinsConfig } from '../../hardware/index.js';
export { SteadError, isSteadError, type ErrorCode, type ErrorKey } from '../../shared/errors.js';
