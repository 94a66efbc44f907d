// @deskchat/im: RFC 6121 instant messaging on top of core's module API.
import type { Module } from '@deskchat/core';

/** The IM modules a node loads, in load order. */
export const imModules: Module<any>[] = [];
