import type { FeatureModule } from '../core/feature';
import { reportPages } from './pages';
import { reportRoutes } from './routes';
import { reportScheduleRoutes } from './schedules/routes';
import { startReportScheduler } from './schedules/scheduler';
import { reportTemplateRoutes } from './templates/routes';

export const reportsModule: FeatureModule = {
  name: 'reports',
  api: (deps) => [
    { path: '/api/v1/reports', router: reportRoutes(deps) },
    { path: '/api/v1/report-templates', router: reportTemplateRoutes(deps) },
    { path: '/api/v1/report-schedules', router: reportScheduleRoutes(deps) },
  ],
  pages: (deps) => [reportPages(deps)],
  start: startReportScheduler,
};
